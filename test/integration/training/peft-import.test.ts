import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { importPeftAdapter } from '../../../electron/core/adapters/peft-import.ts';
import { readSafetensors, readSafetensorsTensor } from '../../../electron/core/adapters/safetensors-reader.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { ggufMetadataValue, readGgufFile, readGgufTensor } from '../../../electron/core/gguf/gguf-reader.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';
import { peftFolder } from './peft-fixture.ts';

const modelPath = testModelPath();

test('a PEFT LoRA (safetensors, f32 and f16) converts to a GGUF adapter with the same numbers', () => {
  const dir = peftFolder({ scale: 0.5 });
  const out = path.join(tempDir(), 'imported.gguf');
  const result = importPeftAdapter({ source: dir, baseModelPath: modelPath, outPath: out });
  assert.deepEqual([result.rank, result.alpha, result.tensors], [4, 8, 4]);
  const gguf = readGgufFile(out);
  assert.equal(ggufMetadataValue(gguf, 'general.type'), 'adapter');
  assert.equal(ggufMetadataValue(gguf, 'adapter.type'), 'lora');
  assert.equal(ggufMetadataValue(gguf, 'adapter.lora.alpha'), 8);
  assert.equal(ggufMetadataValue(gguf, 'general.architecture'), ggufMetadataValue(readGgufFile(modelPath), 'general.architecture'));
  const base = readGgufFile(modelPath).tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
  const a = gguf.tensors.find((t) => t.name === 'blk.0.attn_q.weight.lora_a')!;
  const b = gguf.tensors.find((t) => t.name === 'blk.0.attn_q.weight.lora_b')!;
  assert.deepEqual(a.dims, [base.dims[0], 4]);
  assert.deepEqual(b.dims, [4, base.dims[1]]);
  const safetensors = readSafetensors(path.join(dir, 'adapter_model.safetensors'));
  assert.equal(safetensors.tensors.length, 4);
  for (const [peft, ggufName] of [
    ['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', 'blk.0.attn_q.weight.lora_a'],
    ['base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight', 'blk.1.attn_v.weight.lora_b'],
  ] as const) {
    assert.deepEqual(readGgufTensor(gguf, ggufName), readSafetensorsTensor(safetensors, peft), `${ggufName} holds ${peft} unchanged`);
  }
  const first = readGgufTensor(gguf, 'blk.1.attn_v.weight.lora_a');
  assert.ok(
    first.every((x) => Math.abs(x) <= 0.25 + 1e-3),
    'f16 values converted, not reinterpreted',
  );
});

test("llama.cpp applies the imported adapter: the model's output distribution changes", async () => {
  const out = path.join(tempDir(), 'strong.gguf');
  importPeftAdapter({ source: peftFolder({ scale: 4 }), baseModelPath: modelPath, outPath: out });
  const engine = await getEngine({ gpu: false });
  const model = await engine.loadModel({ path: modelPath, contextSize: 256, threads: 1 });
  after(() => model.dispose());
  const request = { messages: [{ role: 'user' as const, content: 'Say something.' }], sampling: { temperature: 0, maxTokens: 8 } };
  const before = await model.generate(request);
  await model.setAdapter(out);
  const withAdapter = await model.generate(request);
  assert.equal(withAdapter.adapterId, 'strong');
  assert.notDeepEqual([withAdapter.responseTokens, withAdapter.responseLogprobs], [before.responseTokens, before.responseLogprobs]);
  await model.setAdapter(null);
  assert.deepEqual((await model.generate(request)).responseTokens, before.responseTokens, 'removing it restores the base model');
});

test('an adapter for another model or a broken file is refused with a clear error', () => {
  const out = path.join(tempDir(), 'x.gguf');
  assert.throws(
    () => importPeftAdapter({ source: peftFolder({ scale: 1, badInputs: true }), baseModelPath: modelPath, outPath: out }),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'ADAPTER_MISMATCH' && /q_proj/.test(e.message),
  );
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'adapter_model.safetensors'), Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), '{"r": 4}');
  assert.throws(
    () => importPeftAdapter({ source: dir, baseModelPath: modelPath, outPath: out }),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'SAFETENSORS_INVALID',
  );
  assert.equal(fs.existsSync(out), false);
});
