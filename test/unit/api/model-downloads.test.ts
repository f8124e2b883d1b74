import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { createApi, type Api } from '../../../electron/core/api/create-api.ts';
import type { DownloadView } from '../../../electron/core/contract/models.ts';
import type { CatalogModel } from '../../../electron/core/models/catalog.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

let backend: Backend;
let api: Api;
let server: http.Server;
let release: () => void = () => undefined;
const progress: DownloadView[] = [];

before(async () => {
  const model = fs.readFileSync(testModelPath());
  server = http.createServer((request, response) => {
    if (request.url === '/slow.gguf') {
      response.writeHead(200, { 'Content-Length': String(model.length) });
      response.write(model.subarray(0, 1024));
      release = () => response.destroy();
      return;
    }
    response.writeHead(200, { 'Content-Length': String(model.length) });
    response.end(model);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entry = (id: string, file: string): CatalogModel => ({
    id,
    name: `Test ${id}`,
    description: 'test model',
    url: `${base}/${file}`,
    approxBytes: model.length,
    quantization: 'F32',
    parameters: 'tiny',
    contextLength: 512,
  });
  backend = await createBackend({ dataDir: tempDir('inflow-downloads-') });
  api = createApi({
    backend,
    gpu: false,
    threads: 1,
    catalog: [
      entry('tiny-test', 'tiny.gguf'),
      entry('slow-test', 'slow.gguf'),
      { ...entry('far-test', 'far.gguf'), url: 'https://models.example.invalid/far.gguf' },
    ],
  });
  api.events.subscribe((name, payload) => {
    if (name === 'download-progress') progress.push(payload as DownloadView);
  });
});
after(async () => {
  release();
  await api.dispose();
  await backend.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('a recommended model downloads with progress events, is installed, and can become the planner', async () => {
  const started = await api.service.models.download({ catalogId: 'tiny-test' });
  assert.equal(started.status, 'downloading');
  const done = await api.downloads.settled(started.downloadId);
  assert.equal(done.status, 'done', done.error ?? '');
  assert.equal(progress.at(-1)?.status, 'done', 'the last event says it is done');
  const overview = await api.service.models.overview();
  assert.equal(overview.recommended.find((model) => model.id === 'tiny-test')?.installed, true);
  assert.ok(overview.installed.some((model) => model.id === 'tiny-test' && model.architecture === 'qwen2'));
  const chosen = await api.service.models.setRole({ role: 'planner', modelId: 'tiny-test' });
  assert.deepEqual(chosen.installed.find((model) => model.id === 'tiny-test')?.roles, ['planner']);
});

test('a download can be cancelled and says so; an unknown model is refused by name', async () => {
  const started = await api.service.models.download({ catalogId: 'slow-test' });
  for (let tries = 0; !progress.some((event) => event.downloadId === started.downloadId && event.receivedBytes > 0) && tries < 100; tries++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(await api.service.models.cancelDownload({ downloadId: started.downloadId }), { cancelled: true });
  const settled = await api.downloads.settled(started.downloadId);
  assert.equal(settled.status, 'cancelled');
  assert.equal(
    (await api.service.models.overview()).installed.some((model) => model.id === 'slow-test'),
    false,
  );
  const unknown = await api.dispatch('models.download', { catalogId: 'no-such-model' });
  assert.equal(unknown.ok ? '' : unknown.error.code, 'UNKNOWN_MODEL');
});

test('a download from another computer needs "Model downloads" allowed in Settings; the refusal is logged', async () => {
  const refused = await api.dispatch('models.download', { catalogId: 'far-test' });
  assert.equal(refused.ok ? '' : refused.error.code, 'NETWORK_NOT_ALLOWED');
  assert.match(refused.ok ? '' : (refused.error.hint ?? ''), /Model downloads.*Settings → Privacy/);
  for (let tries = 0; backend.egress.list().length === 0 && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(
    backend.egress
      .list()
      .filter((row) => row.host === 'models.example.invalid')
      .map((row) => [row.feature, row.outcome]),
    [['model-downloads', 'refused']],
  );
  await api.service.settings.update({ privacy: { modelDownloads: true } });
  const allowed = await api.service.models.download({ catalogId: 'far-test' });
  const settled = await api.downloads.settled(allowed.downloadId);
  assert.equal(settled.status, 'failed', 'allowed, it tried (the host does not exist)');
  assert.doesNotMatch(settled.error ?? '', /off|not allowed/i);
  await api.service.settings.update({ privacy: { modelDownloads: false } });
});
