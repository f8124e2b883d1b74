import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createBackend } from '../../../electron/core/backend.ts';
import { createApi } from '../../../electron/core/api/create-api.ts';
import { DownloadsService } from '../../../electron/core/api/downloads-service.ts';
import { EngineService } from '../../../electron/core/api/engine-service.ts';
import { EventHub } from '../../../electron/core/api/event-hub.ts';
import { ModelsService } from '../../../electron/core/api/models-service.ts';
import { SettingsService } from '../../../electron/core/api/settings-service.ts';
import { TrainingReads } from '../../../electron/core/api/training-service.ts';
import { agentContextSize, defaults } from '../../../electron/core/contract/defaults.ts';
import { memoryContract } from '../../../electron/core/contract/memory.ts';
import { resolveTrainingConfig } from '../../../electron/core/training/flow-grpo/training-config.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dataDir = tempDir('inflow-defaults-');
const backend = await createBackend({ dataDir });
after(() => backend.close());

test('the planner context: the app and `inflow ask`/`inflow eval` resolve the same default per profile', async () => {
  const settings = new SettingsService(backend.db);
  const events = new EventHub();
  const engine = new EngineService({
    backend, settings, models: new ModelsService({ modelsDir: backend.paths.models, settings }), adapters: new TrainingReads(backend.db).adapters,
    downloads: new DownloadsService({ modelsDir: backend.paths.models, events, network: backend.network }), events, gpu: false,
  });
  try {
    // the app: the Ask screen's models follow the prompt profile in settings
    assert.equal(engine.contextSize(), 8192);
    assert.equal(engine.contextSize(), agentContextSize('structured'));
    settings.update({ profile: 'agentflow' });
    assert.equal(engine.contextSize(), 16384);
    assert.equal(engine.contextSize(), agentContextSize('agentflow'));
    settings.update({ profile: 'structured' });
  } finally {
    await engine.dispose();
  }
  // the CLI: ask's and serve's usage state the defaults they apply, from the same module
  const ask = await runCli(['ask', '--help']);
  assert.match(ask.stdout, new RegExp(`default ${defaults.agentContextSize}; ${defaults.agentflowContextSize} with --profile agentflow`));
  // training keeps its own, smaller context (documented in the same module)
  assert.equal(resolveTrainingConfig().contextSize, defaults.trainingContextSize);
});

test('a long-term memory entry: the app and `inflow memory add` accept and refuse the same lengths', async () => {
  const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  try {
    const longest = 'a'.repeat(defaults.memoryEntryMaxChars);
    const tooLong = `${longest}b`;
    // the app, through the contract's dispatch (what the renderer calls)
    const added = await api.dispatch('memory.add', { content: longest });
    assert.ok(added.ok, JSON.stringify(added));
    assert.equal((added.value as { content: string }).content.length, defaults.memoryEntryMaxChars);
    const refused = await api.dispatch('memory.add', { content: tooLong });
    assert.ok(!refused.ok, 'the app refuses an entry one character too long');
    assert.match(refused.error.code, /INVALID/);
    // ... already at the contract's check, which the renderer's form uses too (it allowed 4000 before)
    assert.equal(memoryContract.add.input.safeParse({ content: tooLong }).success, false);
    assert.equal(memoryContract.update.input.safeParse({ id: 1, content: tooLong }).success, false);
    assert.equal(memoryContract.add.input.safeParse({ content: longest }).success, true);
    // the CLI
    const cliLongest = await runCli(['memory', 'add', longest, '--data-dir', dataDir]);
    assert.equal(cliLongest.code, 0, cliLongest.stderr);
    const cliTooLong = await runCli(['memory', 'add', tooLong, '--data-dir', dataDir]);
    assert.equal(cliTooLong.code, 4, cliTooLong.stderr);
    assert.match(cliTooLong.stderr, new RegExp(`limited to ${defaults.memoryEntryMaxChars} characters`));
  } finally {
    await api.dispose();
  }
});
