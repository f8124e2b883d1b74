import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { createApi, type Api } from '../../../electron/core/api/create-api.ts';
import { methodNames } from '../../../electron/core/contract/index.ts';
import { tempDir } from '../../support/temp-dir.ts';

let backend: Backend;
let api: Api;
const dataDir = tempDir('inflow-api-');

before(async () => {
  backend = await createBackend({ dataDir });
  api = createApi({ backend, gpu: false, threads: 1 });
});
after(async () => {
  await api.dispose();
  await backend.close();
});

test('every contract method has an implementation, and nothing else can be called', async () => {
  for (const name of methodNames) {
    const [domain, method] = name.split('.') as [keyof typeof api.service, string];
    assert.equal(typeof (api.service[domain] as Record<string, unknown>)[method], 'function', name);
  }
  const unknown = await api.dispatch('app.shell', { command: 'rm -rf /' });
  assert.deepEqual(unknown.ok ? null : unknown.error.code, 'UNKNOWN_METHOD');
  const prototype = await api.dispatch('settings.constructor', {});
  assert.equal(prototype.ok, false);
});

test('input is validated by the contract: wrong types, extra keys and empty questions are refused with the field named', async () => {
  const extra = await api.dispatch('settings.update', { privacy: { networkTools: true }, evil: 1 });
  assert.equal(extra.ok, false);
  assert.equal(extra.ok ? '' : extra.error.code, 'INVALID_INPUT');
  const wrongType = await api.dispatch('settings.update', { limits: { maxSteps: 'ten' } });
  assert.match(wrongType.ok ? '' : wrongType.error.message, /limits\.maxSteps/);
  const empty = await api.dispatch('ask.start', { question: '   ' });
  assert.match(empty.ok ? '' : empty.error.message, /question: type a question or task first/);
  const badId = await api.dispatch('runs.get', { runId: '../../etc/passwd' });
  assert.equal(badId.ok ? '' : badId.error.code, 'INVALID_INPUT');
  assert.equal((await api.service.settings.get()).privacy.networkTools, false, 'refused updates changed nothing');
});

test('errors from the back end keep their code and hint; success carries the value', async () => {
  const missing = await api.dispatch('runs.get', { runId: 'run_missing' });
  assert.deepEqual(missing, {
    ok: false,
    error: { code: 'RUN_NOT_FOUND', message: 'No run "run_missing".', hint: 'It may have been deleted; pick one from the Runs list.' },
  });
  const noPlanner = await api.dispatch('ask.start', { question: 'hello' });
  assert.equal(noPlanner.ok ? '' : noPlanner.error.code, 'NO_PLANNER_MODEL');
  assert.match(noPlanner.ok ? '' : (noPlanner.error.hint ?? ''), /Models/);
  const info = await api.dispatch('app.info', undefined);
  assert.equal(info.ok, true);
  if (info.ok) assert.deepEqual((info.value as { counts: unknown }).counts, { runs: 0, models: 0, memory: 0, datasets: 0 });
});

test('a full disk reaches the window as DISK_FULL with what to do, not as a SQLite error', async () => {
  const dir = tempDir('inflow-api-full-');
  const full = await createBackend({ dataDir: dir });
  const fullApi = createApi({ backend: full, gpu: false, threads: 1 });
  try {
    // SQLite's page limit makes the next write that needs a page fail with SQLITE_FULL, as a full disk does.
    full.db.pragma(`max_page_count = ${full.db.pragma('page_count', { simple: true }) as number}`);
    let reply: Awaited<ReturnType<typeof fullApi.dispatch>> | undefined;
    for (let i = 0; i < 200 && (reply === undefined || reply.ok); i++)
      reply = await fullApi.dispatch('memory.add', { content: `fact ${i} ${'x'.repeat(400)}` });
    assert.equal(reply?.ok, false);
    assert.equal(reply?.ok === false ? reply.error.code : '', 'DISK_FULL');
    assert.match(reply?.ok === false ? (reply.error.hint ?? '') : '', /Free some disk space/);
  } finally {
    await fullApi.dispose();
    await full.close();
  }
});
