import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import type { CatalogModel } from '../../../electron/core/models/catalog.ts';
import { downloadFile } from '../../../electron/core/models/download-file.ts';
import { listInstalledModels, removeInstalledModel, resolveInstalledModel } from '../../../electron/core/models/model-registry.ts';
import { pullModel } from '../../../electron/core/models/pull-model.ts';
import { startModelServer } from '../../support/model-server.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

const modelFile = testModelPath();
const modelBytes = fs.statSync(modelFile).size;
const modelSha = crypto.createHash('sha256').update(fs.readFileSync(modelFile)).digest('hex');
const roomy = { ramTotal: 16e9, ramFree: 8e9, vramTotal: 0, vramFree: 0 };
const isCode = (code: string) => (error: unknown) => InflowError.isInstance(error) && error.code === code;

function catalogFor(url: string, extra: Partial<CatalogModel> = {}): CatalogModel[] {
  return [
    {
      id: 'tiny-test',
      name: 'Tiny test model',
      description: 'test',
      url,
      approxBytes: modelBytes,
      quantization: 'F32',
      parameters: '1M',
      contextLength: 4096,
      sha256: modelSha,
      ...extra,
    },
  ];
}

test('pulling a catalog model downloads it with progress, verifies it and registers it', async () => {
  const server = await startModelServer({ 'tiny.gguf': modelFile });
  const modelsDir = path.join(tempDir(), 'models');
  const progress: number[] = [];
  let verified = false;
  const result = await pullModel({
    modelsDir,
    id: 'tiny-test',
    catalog: catalogFor(server.url('tiny.gguf')),
    budget: roomy,
    onProgress: (update) => progress.push(update.receivedBytes),
    onVerify: () => {
      verified = true;
    },
  });
  assert.equal(result.alreadyInstalled, false);
  assert.equal(result.model.sha256, modelSha);
  assert.equal(result.model.bytes, modelBytes);
  assert.ok(verified);
  assert.equal(progress.at(-1), modelBytes);
  assert.deepEqual(fs.readFileSync(resolveInstalledModel(modelsDir, 'tiny-test')), fs.readFileSync(modelFile));
  assert.deepEqual(
    listInstalledModels(modelsDir).map((entry) => entry.id),
    ['tiny-test'],
  );
  assert.deepEqual(fs.readdirSync(modelsDir).sort(), ['installed.json', 'tiny-test.gguf']);
  const again = await pullModel({ modelsDir, id: 'tiny-test', catalog: catalogFor(server.url('tiny.gguf')), budget: roomy });
  assert.equal(again.alreadyInstalled, true);
  assert.equal(server.ranges.length, 1, 'an installed model is not downloaded again');
  removeInstalledModel(modelsDir, 'tiny-test');
  assert.deepEqual(listInstalledModels(modelsDir), []);
  assert.ok(!fs.existsSync(path.join(modelsDir, 'tiny-test.gguf')));
  assert.throws(() => removeInstalledModel(modelsDir, 'tiny-test'), isCode('MODEL_NOT_FOUND'));
});

test('an interrupted download fails clearly, keeps its part, and the next pull resumes with a range request', async () => {
  const server = await startModelServer({ 'tiny.gguf': modelFile });
  const modelsDir = path.join(tempDir(), 'models');
  const catalog = catalogFor(server.url('tiny.gguf'));
  server.cutNextAfter(100_000);
  await assert.rejects(
    pullModel({ modelsDir, id: 'tiny-test', catalog, budget: roomy }),
    (error) => InflowError.isInstance(error) && /DOWNLOAD_(INTERRUPTED|INCOMPLETE)/.test(error.code) && /again/.test(error.hint ?? ''),
  );
  const partSize = fs.statSync(path.join(modelsDir, 'tiny-test.gguf.part')).size;
  assert.ok(partSize >= 100_000 && partSize < modelBytes, `part is ${partSize} bytes`);
  assert.deepEqual(listInstalledModels(modelsDir), []);
  const result = await pullModel({ modelsDir, id: 'tiny-test', catalog, budget: roomy });
  assert.equal(result.resumed, true);
  assert.equal(server.ranges.at(-1), `bytes=${partSize}-`);
  assert.equal(result.model.sha256, modelSha);
  assert.ok(!fs.existsSync(path.join(modelsDir, 'tiny-test.gguf.part')));
});

test('a model too large for this machine is refused before anything is downloaded', async () => {
  const server = await startModelServer({ 'tiny.gguf': modelFile });
  const modelsDir = path.join(tempDir(), 'models');
  const catalog = catalogFor(server.url('tiny.gguf'), { approxBytes: 30e9, name: 'Huge 70B' });
  await assert.rejects(
    pullModel({ modelsDir, id: 'tiny-test', catalog, budget: roomy }),
    (error) =>
      InflowError.isInstance(error) &&
      error.code === 'MODEL_WONT_FIT' &&
      /Huge 70B needs about 3\d\.\d GB/.test(error.message) &&
      /16\.0 GB RAM/.test(error.message),
  );
  assert.equal(server.ranges.length, 0);
});

test('not enough disk space is refused before writing; a disk that fills up mid-download is DISK_FULL', async () => {
  const server = await startModelServer({ 'tiny.gguf': modelFile });
  const dir = tempDir();
  await assert.rejects(
    downloadFile({ url: server.url('tiny.gguf'), destination: path.join(dir, 'a.gguf'), freeBytes: () => 1000 }),
    (error) => InflowError.isInstance(error) && error.code === 'INSUFFICIENT_DISK' && /needs .* more/.test(error.message),
  );
  assert.deepEqual(fs.readdirSync(dir), []);
  if (fs.existsSync('/dev/full')) {
    fs.symlinkSync('/dev/full', path.join(dir, 'b.gguf.part'));
    fs.writeFileSync(path.join(dir, 'b.gguf.part.json'), JSON.stringify({ url: 'other' }));
    await assert.rejects(
      downloadFile({ url: server.url('tiny.gguf'), destination: path.join(dir, 'b.gguf'), freeBytes: () => 1e12 }),
      (error) => InflowError.isInstance(error) && error.code === 'DISK_FULL' && /resumes/.test(error.hint ?? ''),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'b.gguf')));
  }
});

test('a download that is not a GGUF model, or does not match its checksum, is deleted with a clear error', async () => {
  const dir = tempDir();
  const notModel = path.join(dir, 'page.html');
  fs.writeFileSync(notModel, '<html>Sign in to continue</html>');
  const server = await startModelServer({ 'page.html': notModel, 'tiny.gguf': modelFile });
  const modelsDir = path.join(dir, 'models');
  await assert.rejects(pullModel({ modelsDir, id: 'custom', url: server.url('page.html'), budget: roomy }), isCode('NOT_GGUF'));
  await assert.rejects(
    pullModel({ modelsDir, id: 'tiny-test', catalog: catalogFor(server.url('tiny.gguf'), { sha256: '0'.repeat(64) }), budget: roomy }),
    isCode('CHECKSUM_MISMATCH'),
  );
  assert.deepEqual(fs.readdirSync(modelsDir), []);
  await assert.rejects(pullModel({ modelsDir, id: 'missing', url: server.url('nothing.gguf'), budget: roomy }), isCode('DOWNLOAD_NOT_FOUND'));
});

test('unknown and not-installed model ids get errors that say what to do', () => {
  const modelsDir = path.join(tempDir(), 'models');
  assert.throws(
    () => resolveInstalledModel(modelsDir, 'qwen2.5-3b-instruct-q4_k_m'),
    (error) => isCode('MODEL_NOT_INSTALLED')(error) && /inflow models pull qwen2\.5-3b/.test((error as InflowError).hint ?? ''),
  );
  assert.throws(() => resolveInstalledModel(modelsDir, 'gpt-17'), isCode('UNKNOWN_MODEL'));
  return assert.rejects(
    pullModel({ modelsDir, id: 'gpt-17' }),
    (error) => isCode('UNKNOWN_MODEL')(error) && /qwen2\.5-1\.5b-instruct-q4_k_m/.test((error as InflowError).hint ?? ''),
  );
});

test('cancelling a download (Ctrl-C) keeps what arrived, and the next pull resumes from there', async () => {
  const server = await startModelServer({ 'tiny.gguf': modelFile });
  const modelsDir = path.join(tempDir(), 'models');
  const catalog = catalogFor(server.url('tiny.gguf'));
  server.stallNextAfter(300_000);
  const controller = new AbortController();
  await assert.rejects(
    pullModel({
      modelsDir,
      id: 'tiny-test',
      catalog,
      budget: roomy,
      signal: controller.signal,
      onProgress: () => setTimeout(() => controller.abort(), 50),
    }),
    (error) => InflowError.isInstance(error) && error.code === 'CANCELLED' && /run it again to resume/.test(error.message),
  );
  const partSize = fs.statSync(path.join(modelsDir, 'tiny-test.gguf.part')).size;
  assert.ok(partSize > 0 && partSize <= 300_000, `part is ${partSize} bytes`);
  const result = await pullModel({ modelsDir, id: 'tiny-test', catalog, budget: roomy });
  assert.equal(result.resumed, true);
  assert.equal(server.ranges.at(-1), `bytes=${partSize}-`);
  assert.equal(result.model.sha256, modelSha);
});

test('a server that stops sending is given up on (resumably) instead of hanging', async () => {
  const server = await startModelServer({ 'tiny.gguf': modelFile });
  const destination = path.join(tempDir(), 'stalled.gguf');
  server.stallNextAfter(200_000);
  await assert.rejects(
    downloadFile({ url: server.url('tiny.gguf'), destination, idleTimeoutMs: 300 }),
    (error) => InflowError.isInstance(error) && error.code === 'DOWNLOAD_STALLED' && /resume/.test(error.hint ?? ''),
  );
  assert.ok(fs.statSync(`${destination}.part`).size > 0);
  const resumed = await downloadFile({ url: server.url('tiny.gguf'), destination, idleTimeoutMs: 300 });
  assert.equal(resumed.resumed, true);
  assert.deepEqual(fs.readFileSync(destination), fs.readFileSync(modelFile));
});
