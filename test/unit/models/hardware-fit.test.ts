import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readGgufFile } from '../../../electron/core/gguf/gguf-reader.ts';
import { estimateFit, formatBytes, kvBytesPerToken } from '../../../electron/core/models/hardware-fit.ts';
import { modelCatalog } from '../../../electron/core/models/catalog.ts';
import { testModelPath } from '../../support/test-model.ts';

const gb = 1e9;

test('a 7B Q4_K_M model fits 16 GB of RAM on CPU but not 4 GB, and the message says why', () => {
  const fits = estimateFit({
    modelBytes: 4.68 * gb,
    kvBytes: 0.5 * gb,
    budget: { ramTotal: 16 * gb, ramFree: 10 * gb, vramTotal: 0, vramFree: 0 },
    useGpu: false,
  });
  assert.deepEqual([fits.fits, fits.placement, fits.message], [true, 'cpu', undefined]);
  const tooBig = estimateFit({
    modelBytes: 4.68 * gb,
    kvBytes: 0.5 * gb,
    budget: { ramTotal: 4 * gb, ramFree: 3 * gb, vramTotal: 0, vramFree: 0 },
    useGpu: false,
    label: 'Qwen2.5 7B',
  });
  assert.equal(tooBig.fits, false);
  assert.match(tooBig.message ?? '', /^Qwen2\.5 7B needs about 5\.\d GB of memory, but this computer has 4\.0 GB RAM\. It will not fit\.$/);
});

test('a GPU with enough free VRAM takes the whole model; otherwise it is split or refused', () => {
  const budget = { ramTotal: 8 * gb, ramFree: 4 * gb, vramTotal: 8 * gb, vramFree: 7 * gb };
  assert.equal(estimateFit({ modelBytes: 4.68 * gb, kvBytes: 0.5 * gb, budget, useGpu: true }).placement, 'gpu');
  assert.equal(estimateFit({ modelBytes: 9 * gb, kvBytes: 0.5 * gb, budget, useGpu: true }).placement, 'split');
  assert.equal(estimateFit({ modelBytes: 20 * gb, kvBytes: 0.5 * gb, budget, useGpu: true }).fits, false);
});

test('tight memory fits with a warning; sizes print in human units', () => {
  const tight = estimateFit({
    modelBytes: 2 * gb,
    kvBytes: 0.2 * gb,
    budget: { ramTotal: 8 * gb, ramFree: 1 * gb, vramTotal: 0, vramFree: 0 },
    useGpu: false,
  });
  assert.equal(tight.fits, true);
  assert.match(tight.message ?? '', /only 1\.0 GB RAM is free/);
  assert.deepEqual([formatBytes(1.5e9), formatBytes(986e6), formatBytes(2048)], ['1.5 GB', '986 MB', '2 KB']);
});

test('KV cache size per token comes from the model header', () => {
  // default test model: 2 layers, 2 KV heads of 16 dims, keys and values in f16
  assert.equal(kvBytesPerToken(readGgufFile(testModelPath())), 2 * 2 * (16 + 16) * 2);
});

test('the catalog has unique ids, Hugging Face URLs and one recommended planner', () => {
  assert.equal(new Set(modelCatalog.map((entry) => entry.id)).size, modelCatalog.length);
  assert.ok(modelCatalog.every((entry) => entry.url.startsWith('https://huggingface.co/') && entry.url.endsWith('.gguf') && entry.approxBytes > 5e8));
  assert.equal(modelCatalog.filter((entry) => entry.recommended === true).length, 1);
  assert.ok(modelCatalog.some((entry) => entry.id.startsWith('qwen2.5-7b')));
});
