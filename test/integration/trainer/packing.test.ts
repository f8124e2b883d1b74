/**
 * Packing of samples into micro-batches: samples share a micro-batch only up to `packTokens` tokens (the explicit
 * attention of a micro-batch costs T², so packing short samples into a long micro-batch multiplies the attention
 * work), a longer sample runs alone up to `microBatchTokens`, and the gradients do not depend on the packing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testModelPath } from '../../support/test-model.ts';
import { allTargets, assertSameGradients, copyParameters, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

test('samples share a micro-batch only up to packTokens, longer ones run alone, and the gradients stay the same', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath();
  const lora = { rank: 4, alpha: 8, targets: allTargets };
  const packed = await module.createTrainer({ modelPath, lora, microBatchTokens: 64, packTokens: 64 });
  const apart = await module.createTrainer({ modelPath, lora, microBatchTokens: 64, packTokens: 24 });
  try {
    randomizeLoraB(packed);
    copyParameters(packed, apart);
    const vocab = packed.info().model.vocabularySize;
    // 12 + 12 + 12 + 40 tokens: packed by 64 -> [12 12 12] [40]; by 24 -> [12 12] [12] [40] (40 > 24 runs alone)
    const samples = randomSamples(vocab, [
      { prompt: 6, response: 6, advantage: 1 },
      { prompt: 5, response: 7, advantage: -1 },
      { prompt: 8, response: 4, advantage: 0.5 },
      { prompt: 30, response: 10, advantage: 1 },
    ]);
    const request = { samples, objective: 'grpo' as const, learningRate: 0, apply: false };
    const a = await packed.step(request);
    const b = await apart.step(request);
    assert.equal(a.microBatches, 2);
    assert.equal(b.microBatches, 3);
    assert.ok(Math.abs(a.loss - b.loss) <= 1e-5 * Math.max(1, Math.abs(a.loss)), `loss ${a.loss} vs ${b.loss}`);
    assertSameGradients(packed, apart);
    await assert.rejects(
      module.createTrainer({ modelPath, lora, packTokens: 1 }),
      (error: Error & { code?: string }) => error.code === 'BAD_OPTIONS',
    );
  } finally {
    await packed.dispose();
    await apart.dispose();
  }
});
