import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import os from 'node:os';
import { createBackend } from '../../../electron/core/backend.ts';
import { createApi } from '../../../electron/core/api/create-api.ts';
import { measuredBudget, probeHardware } from '../../../electron/core/api/hardware.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dataDir = tempDir('inflow-hardware-');
const backend = await createBackend({ dataDir });
const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
after(async () => {
  await api.dispose();
  await backend.close();
});

test("the app's hardware summary, the model budget and `inflow doctor` read the same engine", async () => {
  const summary = await api.dispatch('app.hardware', {});
  assert.ok(summary.ok, JSON.stringify(summary));
  const app = summary.value as Awaited<ReturnType<typeof probeHardware>>;
  assert.equal(app.note, null, 'the engine was probed');
  const info = await (await getEngine({ gpu: false })).info();
  assert.equal(app.backend, info.backend.toLowerCase());
  assert.equal(app.backend, 'cpu');
  assert.equal(app.vramTotalBytes, null);
  assert.equal(app.cpuCores, os.availableParallelism());
  const budget = await measuredBudget({ gpu: false });
  assert.equal(budget.vramTotal, 0);
  assert.equal(budget.ramTotal, os.totalmem());
  const doctor = await runCli(['doctor', '--cpu', '--json', '--data-dir', dataDir]);
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.equal(JSON.parse(doctor.stdout).engine.backend.toLowerCase(), app.backend);
});
