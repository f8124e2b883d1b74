import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { askRunOptions } from '../../../electron/core/agent/ask-run.ts';
import { createBackend } from '../../../electron/core/backend.ts';
import { createApi } from '../../../electron/core/api/create-api.ts';
import { tempDir } from '../../support/temp-dir.ts';

const backend = await createBackend({ dataDir: tempDir('inflow-ask-run-') });
after(() => backend.close());

test('a question from the app and from `inflow ask` gets the same memory, limits, profile and run store (one rule, the flags only override)', async () => {
  const api = createApi({ backend, gpu: false, startLocalApi: false });
  try {
    // the app changes the settings and memory through its contract methods; the CLI's rule reads the same back end
    await api.service.settings.update({ limits: { maxSteps: 3, maxWallSeconds: 40, maxTokens: 5000 }, profile: 'agentflow' });
    await api.service.memory.add({ content: 'I live in Lyon', kind: 'fact' });
    await api.service.memory.add({ content: 'Answer in French', kind: 'preference' });
    const shared = askRunOptions(backend, 'Where do I live?');
    assert.deepEqual(shared.limits, { maxSteps: 3, maxTimeMs: 40_000, maxTokens: 5000 });
    assert.equal(shared.profile, 'agentflow');
    assert.deepEqual(shared.knownFacts, ['Preference: Answer in French', 'I live in Lyon']);
    assert.equal(shared.store, backend.runs);
    assert.equal(shared.runKind, 'ask');
    // `inflow ask --max-steps 2 --max-time 10 --profile structured` (and the app's per-task step limit) override only what they name
    const cli = askRunOptions(backend, 'Where do I live?', { maxSteps: 2, maxTimeSeconds: 10, profile: 'structured' });
    assert.deepEqual(cli.limits, { maxSteps: 2, maxTimeMs: 10_000, maxTokens: 5000 });
    assert.equal(cli.profile, 'structured');
    // the stores the app's services and the CLI commands use are the back end's, built once
    assert.equal((await api.service.memory.list({})).length, backend.memory.list().length);
  } finally {
    await api.dispose();
  }
});
