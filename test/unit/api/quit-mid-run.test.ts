import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../../electron/core/backend.ts';
import { createApi } from '../../../electron/core/api/create-api.ts';
import type { TraceEvent } from '../../../electron/core/contract/ask.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

test('quitting while a run is going cancels it cleanly: its steps and calls are kept and it ends as cancelled', async () => {
  const dataDir = tempDir('inflow-quit-');
  fs.mkdirSync(path.join(dataDir, 'models'), { recursive: true });
  fs.copyFileSync(testModelPath(), path.join(dataDir, 'models', 'planner.gguf'));
  const backend = await createBackend({ dataDir });
  const api = createApi({ backend, gpu: false, threads: 1, contextSize: 2048 });
  await api.service.models.setRole({ role: 'planner', modelId: 'planner.gguf' });
  await api.service.settings.update({ limits: { maxSteps: 30 } });
  const events: TraceEvent[] = [];
  let firstResult: () => void = () => undefined;
  const sawResult = new Promise<void>((resolve) => {
    firstResult = resolve;
  });
  api.events.subscribe((name, payload) => {
    if (name !== 'run-trace') return;
    events.push(payload as TraceEvent);
    if ((payload as TraceEvent).type === 'verification') firstResult();
  });
  const { runId } = await api.service.ask.start({ question: 'Think about this for a long time.', tools: ['Generalist_Solution_Generator_Tool'] });
  await sawResult;
  await api.dispose();
  const run = backend.runs.getRun(runId)!;
  assert.equal(run.status, 'ended');
  assert.equal(run.stopReason, 'cancelled');
  assert.ok(backend.runs.getSteps(runId).length >= 1, 'the finished step is on disk');
  assert.ok(
    backend.runs.getModuleCalls(runId).some((call) => call.module === 'planner' && call.responseTokens !== null && call.responseLogprobs !== null),
    'planner calls keep tokens and log-probs',
  );
  assert.equal(events.at(-1)?.type, 'run-end', 'the window was told the run ended');
  await backend.close();

  const reopened = await createBackend({ dataDir });
  assert.equal(reopened.runs.getRun(runId)?.stopReason, 'cancelled', 'after a restart the run is still there as it ended');
  await reopened.close();
});
