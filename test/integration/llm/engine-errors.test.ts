import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { gguf } from '../../../electron/core/gguf/gguf-format.ts';
import { readGgufFile } from '../../../electron/core/gguf/gguf-reader.ts';
import { writeGgufFile } from '../../../electron/core/gguf/gguf-writer.ts';
import { getEngine, type Engine } from '../../../electron/core/llm/engine.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testLoraPath, testModelPath, vocabDir } from '../../support/test-model.ts';

let engine: Engine;
before(async () => {
  engine = await getEngine({ gpu: false });
});
const isCode = (code: string, pattern?: RegExp) => (error: unknown) =>
  InflowError.isInstance(error) && error.code === code && (pattern === undefined || pattern.test(error.message + (error.hint ?? '')));

test('a missing, non-GGUF, truncated or corrupt file is refused with a clear error before llama.cpp sees it', async () => {
  const dir = tempDir();
  await assert.rejects(engine.loadModel({ path: path.join(dir, 'missing.gguf') }), isCode('GGUF_NOT_FOUND', /missing\.gguf/));
  const text = path.join(dir, 'readme.gguf');
  fs.writeFileSync(text, '# not a model\n'.repeat(20));
  await assert.rejects(engine.loadModel({ path: text }), isCode('NOT_GGUF'));
  const bytes = fs.readFileSync(testModelPath());
  const truncated = path.join(dir, 'truncated.gguf');
  fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
  await assert.rejects(engine.loadModel({ path: truncated }), isCode('GGUF_TRUNCATED', /download or copy it again/));
  const corrupt = Buffer.from(bytes);
  corrupt.writeBigUInt64LE(2n ** 62n, 16); // metadata count
  fs.writeFileSync(path.join(dir, 'corrupt.gguf'), corrupt);
  await assert.rejects(engine.loadModel({ path: path.join(dir, 'corrupt.gguf') }), isCode('GGUF_CORRUPT'));
});

test('a vocabulary-only file or a LoRA adapter is not taken for a model', async () => {
  await assert.rejects(engine.loadModel({ path: path.join(vocabDir(), 'ggml-vocab-qwen2.gguf') }), isCode('NOT_A_MODEL', /vocabulary/));
  await assert.rejects(engine.loadModel({ path: testLoraPath() }), isCode('NOT_A_MODEL', /adapter/));
});

test('a GGUF whose weights llama.cpp rejects is MODEL_LOAD_FAILED, not a crash', async () => {
  const info = readGgufFile(testModelPath());
  const file = path.join(tempDir(), 'wrong-arch.gguf');
  writeGgufFile(file, {
    metadata: [
      ...[...info.metadata].filter(([key]) => key !== 'general.architecture' && !key.startsWith('qwen2.')),
      ['general.architecture', gguf.string('qwen2')],
    ],
    tensors: [{ name: 'token_embd.weight', dims: [4, 4], data: new Float32Array(16) }],
  });
  await assert.rejects(
    engine.loadModel({ path: file, threads: 1 }),
    isCode('MODEL_LOAD_FAILED', /could not load .*key not found in model: qwen2\.context_length/),
  );
});

test('a model larger than memory is refused, saying how much it needs and how much there is', async () => {
  const budget = { ramTotal: 512e3, ramFree: 256e3, vramTotal: 0, vramFree: 0 };
  await assert.rejects(
    engine.loadModel({ path: testModelPath(), budget }),
    isCode('MODEL_WONT_FIT', /needs about .* but this computer has 512 KB RAM/),
  );
});

test("a KV cache type the model cannot use is CONTEXT_CREATE_FAILED with llama.cpp's reason and a fix", async () => {
  await assert.rejects(
    engine.loadModel({ path: testModelPath(), contextSize: 256, threads: 1, kvCacheType: 'q8_0' }),
    (error) => InflowError.isInstance(error) && error.code === 'CONTEXT_CREATE_FAILED' && /kvCacheType "f16"/.test(error.hint ?? ''),
  );
});

test('catalog ids: unknown ones and ones not downloaded yet are told apart', async () => {
  const modelsDir = path.join(tempDir(), 'models');
  await assert.rejects(engine.loadModel({ catalogId: 'no-such-model', modelsDir }), isCode('UNKNOWN_MODEL'));
  await assert.rejects(
    engine.loadModel({ catalogId: 'qwen2.5-1.5b-instruct-q4_k_m', modelsDir }),
    isCode('MODEL_NOT_INSTALLED', /inflow models pull/),
  );
});

test('bad requests: a prompt longer than the context, bad sampling, a mismatched adapter', async () => {
  const model = await engine.loadModel({ path: testModelPath(), contextSize: 256, threads: 1 });
  try {
    const long = 'word '.repeat(400);
    await assert.rejects(model.generate({ messages: [{ role: 'user', content: long }] }), isCode('CONTEXT_OVERFLOW', /larger contextSize/));
    await assert.rejects(
      model.generate({ messages: [{ role: 'user', content: 'x' }], sampling: { temperature: -1, topP: 2 } }),
      isCode('INVALID_SAMPLING', /temperature -1.*topP 2/),
    );
    await assert.rejects(model.generate({ messages: [] }), isCode('INVALID_REQUEST'));
    await assert.rejects(model.setAdapter(testLoraPath({ arch: 'qwen3' })), isCode('ADAPTER_MISMATCH', /qwen3/));
    await assert.rejects(model.setAdapter(testModelPath()), isCode('ADAPTER_INVALID'));
    const running = model.generate({ messages: [{ role: 'user', content: 'x' }], sampling: { maxTokens: 2 } });
    await assert.rejects(model.setAdapter(testLoraPath({ nEmbd: 128 })), isCode('ADAPTER_LOAD_FAILED'));
    assert.equal((await running).responseTokens.length, 2);
    assert.equal(model.adapterId, null);
    const ok = await model.generate({ messages: [{ role: 'user', content: 'still works' }], sampling: { maxTokens: 3 } });
    assert.equal(ok.responseTokens.length, 3);
  } finally {
    await model.dispose();
  }
});
