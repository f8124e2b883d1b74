import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { createApi, type Api } from '../../../electron/core/api/create-api.ts';
import { tempDir } from '../../support/temp-dir.ts';

let backend: Backend;
let api: Api;
const dataDir = tempDir('inflow-services-');

before(async () => {
  backend = await createBackend({ dataDir });
  api = createApi({ backend, gpu: false, threads: 1 });
});
after(async () => {
  await api.dispose();
  await backend.close();
});

function storedRun(question: string, answer: string | null, end = true): string {
  const task = backend.runs.createTask({ question });
  const run = backend.runs.startRun({ taskId: task.id });
  backend.runs.recordStep({
    runId: run.id,
    idx: 1,
    toolName: 'generalist',
    subGoal: 'Answer it',
    command: { query: question },
    result: { text: answer },
    verification: { analysis: 'enough', stop: true },
  });
  if (end) backend.runs.endRun(run.id, { stopReason: 'answered', answer });
  return run.id;
}

test('settings: network tools are off by default; a patch changes only what it names and survives a restart', async () => {
  const defaults = await api.service.settings.get();
  assert.equal(defaults.privacy.networkTools, false);
  assert.equal(defaults.models.planner, null);
  const updated = await api.service.settings.update({ privacy: { networkTools: true }, limits: { maxSteps: 3 } });
  assert.equal(updated.privacy.networkTools, true);
  assert.equal(updated.limits.maxSteps, 3);
  assert.equal(updated.limits.maxWallSeconds, defaults.limits.maxWallSeconds);
  const row = backend.db.prepare("SELECT value FROM settings WHERE key = 'privacy.networkTools'").get() as { value: string };
  assert.equal(row.value, 'true', 'stored under a dotted key other modules can read');
  const again = createApi({ backend, gpu: false });
  assert.equal((await again.service.settings.get()).limits.maxSteps, 3);
  await again.dispose();
  await api.service.settings.update({ privacy: { networkTools: false }, limits: { maxSteps: 8 } });
});

test('feedback becomes a reward in [0, 1], replaces an earlier rating, and is refused while the run is still going', async () => {
  const runId = storedRun('What is 2 + 2?', '4');
  assert.deepEqual(await api.service.ask.feedback({ runId, rating: -1 }), { runId, rating: -1, reward: 0 });
  assert.deepEqual(await api.service.ask.feedback({ runId, rating: 1 }), { runId, rating: 1, reward: 1 });
  const rewards = backend.db.prepare('SELECT value, source FROM rewards WHERE run_id = ?').all(runId);
  assert.deepEqual(rewards, [{ value: 1, source: 'feedback' }], 'one feedback reward, the latest');
  const summary = (await api.service.runs.list({ search: '2 + 2' }))[0]!;
  assert.equal(summary.reward, 1);
  assert.equal(summary.rating, 1);
  assert.equal(summary.steps, 1);
  const running = storedRun('Still thinking?', null, false);
  await assert.rejects(api.service.ask.feedback({ runId: running, rating: 1 }), { code: 'RUN_STILL_RUNNING' });
});

test('runs: search matches questions and answers (LIKE wildcards are literal), filters by outcome, detail has the trajectory', async () => {
  storedRun('Capital of Peru?', 'Lima');
  storedRun('100% sure?', 'yes');
  assert.deepEqual(
    (await api.service.runs.list({ search: 'lima' })).map((run) => run.question),
    ['Capital of Peru?'],
  );
  assert.deepEqual(
    (await api.service.runs.list({ search: '100%' })).map((run) => run.question),
    ['100% sure?'],
  );
  assert.equal((await api.service.runs.list({ search: '%' })).length, 1, '% is not a wildcard');
  assert.equal((await api.service.runs.list({ stopReason: 'cancelled' })).length, 0);
  const id = (await api.service.runs.list({ search: 'Peru' }))[0]!.id;
  const detail = await api.service.runs.get({ runId: id });
  assert.equal(detail.steps[0]!.toolName, 'generalist');
  assert.deepEqual(detail.steps[0]!.verification, { analysis: 'enough', stop: true });
});

test('memory: add, full-text search, edit (search follows), delete; entries keep the run they came from', async () => {
  const runId = storedRun('Which units do I like?', 'metric');
  const entry = await api.service.memory.add({ content: 'The user prefers metric units', kind: 'preference' });
  backend.db.prepare('UPDATE memory_entries SET run_id = ? WHERE id = ?').run(runId, entry.id);
  const found = await api.service.memory.list({ search: 'metric' });
  assert.equal(found.length, 1);
  assert.equal(found[0]!.runQuestion, 'Which units do I like?');
  await api.service.memory.update({ id: entry.id, content: 'The user prefers imperial units' });
  assert.equal((await api.service.memory.list({ search: 'metric' })).length, 0);
  assert.equal((await api.service.memory.list({ search: 'imper' })).length, 1, 'prefix search');
  assert.deepEqual(await api.service.memory.remove({ id: entry.id }), { removed: true });
  await assert.rejects(api.service.memory.update({ id: entry.id, content: 'x' }), { code: 'MEMORY_NOT_FOUND' });
});

test('models: the catalog is offered, a missing model cannot be chosen, the data folder is reported', async () => {
  const overview = await api.service.models.overview();
  assert.ok(overview.recommended.length > 0);
  assert.deepEqual(overview.installed, []);
  await assert.rejects(api.service.models.setRole({ role: 'planner', modelId: 'nope.gguf' }), { code: 'MODEL_NOT_FOUND' });
  assert.equal((await api.service.app.info()).dataDir, dataDir);
});

test('network tools are offered only when the privacy setting allows them; otherwise they are listed with the reason', async () => {
  const off = await api.service.ask.tools();
  const web = off.find((tool) => tool.label === 'web')!;
  assert.equal(web.available, false);
  assert.match(web.reason ?? '', /privacy/);
  assert.equal(off.find((tool) => tool.label === 'python')?.available, true);
  await api.service.settings.update({ privacy: { networkTools: true } });
  assert.equal((await api.service.ask.tools()).find((tool) => tool.label === 'web')?.available, true);
  await api.service.settings.update({ privacy: { networkTools: false } });
});
