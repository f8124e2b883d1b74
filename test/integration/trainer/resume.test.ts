import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import type { NativeTrainer, StepRequest } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { randomSamples, trainerModule } from './trainer-fixtures.ts';

const lora = { rank: 4, alpha: 8, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };

function snapshot(trainer: NativeTrainer): Float32Array[] {
  return trainer.parameterNames().map((name) => trainer.getParameter(name));
}

test('a run resumed from the adapter and optimizer state continues exactly like an uninterrupted one', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen3' });
  const dir = tempDir();
  const samples = randomSamples(1500, [
    { prompt: 4, response: 6, advantage: 1 },
    { prompt: 5, response: 5, advantage: -1 },
  ]);
  const request: StepRequest = {
    samples,
    objective: 'grpo',
    klBeta: 0.05,
    weightDecay: 0.01,
    learningRate: { peak: 1e-2, type: 'cosine', warmupSteps: 2, totalSteps: 6 },
  };

  const uninterrupted = await module.createTrainer({ modelPath, lora });
  const first = await module.createTrainer({ modelPath, lora });
  try {
    for (let i = 0; i < 4; i++) await uninterrupted.step(request);
    for (let i = 0; i < 2; i++) await first.step(request);
    await first.saveAdapter(path.join(dir, 'adapter.gguf'));
    await first.saveState(path.join(dir, 'adapter.state'));
  } finally {
    await first.dispose();
  }
  const resumed = await module.createTrainer({
    modelPath,
    lora: { rank: 16, alpha: 1, targets: ['q'] },
    resumeAdapter: path.join(dir, 'adapter.gguf'),
    resumeState: path.join(dir, 'adapter.state'),
  });
  try {
    assert.deepEqual(resumed.info().lora, {
      rank: 4,
      alpha: 8,
      targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'],
      parameterCount: resumed.info().lora.parameterCount,
    });
    assert.equal(resumed.info().step, 2);
    const third = await resumed.step(request);
    assert.equal(third.step, 3);
    assert.equal(third.learningRate, 1e-2 * 0.5 * (1 + Math.cos(Math.PI / 4)), 'the cosine schedule continues at step 3');
    await resumed.step(request);
    const expected = snapshot(uninterrupted);
    snapshot(resumed).forEach((values, i) => assert.deepEqual(values, expected[i]));
  } finally {
    await resumed.dispose();
    await uninterrupted.dispose();
  }
});

test('loadState refuses a state from another LoRA configuration and keeps the current weights', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen2' });
  const dir = tempDir();
  const small = await module.createTrainer({ modelPath, lora: { rank: 2, alpha: 4, targets: ['q'] } });
  await small.saveState(path.join(dir, 'small.state'));
  await small.dispose();
  const trainer = await module.createTrainer({ modelPath, lora });
  try {
    const before = snapshot(trainer);
    await assert.rejects(
      trainer.loadState(path.join(dir, 'small.state')),
      (error: unknown) => InflowError.isInstance(error) && error.code === 'STATE_MISMATCH',
    );
    fs.writeFileSync(path.join(dir, 'junk.state'), 'junk');
    await assert.rejects(
      trainer.loadState(path.join(dir, 'junk.state')),
      (error: unknown) => InflowError.isInstance(error) && error.code === 'BAD_STATE',
    );
    snapshot(trainer).forEach((values, i) => assert.deepEqual(values, before[i]));
  } finally {
    await trainer.dispose();
  }
});

test('the adapter file holds PEFT-initialised LoRA tensors with llama.cpp names and an f32 alpha', async () => {
  const module = await trainerModule();
  const trainer = await module.createTrainer({ modelPath: testModelPath({ arch: 'llama' }), lora: { rank: 4, alpha: 8, targets: ['q', 'down'] } });
  try {
    assert.deepEqual(trainer.parameterNames(), [
      'blk.0.attn_q.weight.lora_a',
      'blk.0.attn_q.weight.lora_b',
      'blk.0.ffn_down.weight.lora_a',
      'blk.0.ffn_down.weight.lora_b',
      'blk.1.attn_q.weight.lora_a',
      'blk.1.attn_q.weight.lora_b',
      'blk.1.ffn_down.weight.lora_a',
      'blk.1.ffn_down.weight.lora_b',
    ]);
    assert.ok(
      trainer.getParameter('blk.0.attn_q.weight.lora_b').every((value) => value === 0),
      'B starts at zero',
    );
    const a = trainer.getParameter('blk.0.attn_q.weight.lora_a');
    const bound = 1 / Math.sqrt(64);
    assert.ok(a.some((value) => value !== 0) && a.every((value) => Math.abs(value) <= bound), 'A is uniform within 1/sqrt(n_in)');
    const file = path.join(tempDir(), 'adapter.gguf');
    await trainer.saveAdapter(file);
    const header = fs.readFileSync(file).toString('latin1');
    for (const text of ['general.type', 'adapter', 'adapter.type', 'lora', 'adapter.lora.alpha', 'blk.1.ffn_down.weight.lora_b'])
      assert.ok(header.includes(text), text);
  } finally {
    await trainer.dispose();
  }
});
