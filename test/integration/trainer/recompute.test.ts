import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepRequest, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath, type TestModelOptions } from '../../support/test-model.ts';
import { allTargets, maxAbsDifference, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

const cases: Array<{ name: string; options: TestModelOptions; objective: 'grpo' | 'sft' }> = [
  { name: 'qwen3, GRPO with KL', options: { arch: 'qwen3' }, objective: 'grpo' },
  {
    name: 'llama3 rope factors with tied embeddings, SFT',
    options: { arch: 'llama', ropeFreqFactors: true, tiedEmbeddings: true },
    objective: 'sft',
  },
];

for (const { name, options, objective } of cases) {
  test(`${name}: per-layer recomputation gives the gradients of the full graph`, async () => {
    const module = await trainerModule();
    const modelPath = testModelPath(options);
    const samples: TrainingSample[] = randomSamples(1500, [
      { prompt: 5, response: 7, advantage: 1 },
      { prompt: 3, response: 9, advantage: -1 },
      { prompt: 8, response: 4, advantage: 0.5 },
    ]);
    const results: Array<{ loss: number; logprobs: Float32Array[]; gradients: Float32Array[]; recomputed: boolean }> = [];
    for (const recompute of [false, true]) {
      // head chunks of 5 targets: the head is split into several graphs whose input gradients add up
      const trainer = await module.createTrainer({
        modelPath,
        lora: { rank: 4, alpha: 8, targets: allTargets },
        recompute,
        headChunkTokens: 5,
        microBatchTokens: 32,
      });
      try {
        randomizeLoraB(trainer);
        const request: StepRequest = { samples, objective, klBeta: 0.1, learningRate: 0, apply: false };
        const metrics = await trainer.step(request);
        results.push({
          loss: metrics.loss,
          recomputed: metrics.recomputed,
          logprobs: await trainer.logprobs(samples),
          gradients: trainer.parameterNames().map((parameter) => trainer.getParameter(parameter, { gradient: true })),
        });
      } finally {
        await trainer.dispose();
      }
    }
    const [full, recomputed] = results as [(typeof results)[0], (typeof results)[0]];
    assert.equal(full.recomputed, false);
    assert.equal(recomputed.recomputed, true);
    assert.ok(Math.abs(full.loss - recomputed.loss) < 1e-6 * Math.max(1, Math.abs(full.loss)), `loss ${full.loss} vs ${recomputed.loss}`);
    const scale = Math.max(...full.gradients.map((values) => Math.max(...values.map(Math.abs))));
    const difference = maxAbsDifference(full.gradients, recomputed.gradients);
    assert.ok(difference <= 1e-5 * scale, `max gradient difference ${difference} (scale ${scale})`);
  });
}

test('recomputation needs far less compute memory, and auto mode switches to it when the full graph does not fit', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen2', nLayer: 8 });
  const lora = { rank: 4, alpha: 8, targets: allTargets };
  const full = await module.createTrainer({ modelPath, lora, recompute: false });
  const recomputed = await module.createTrainer({ modelPath, lora, recompute: true });
  try {
    const a = await full.estimateMemory({ tokens: 1024 });
    const b = await recomputed.estimateMemory({ tokens: 1024 });
    assert.equal(a.recompute, false);
    assert.equal(b.recompute, true);
    assert.ok(b.computeBytes < a.computeBytes / 2, `recomputed ${b.computeBytes} vs full ${a.computeBytes}`);
    const limit = Math.floor((b.computeBytes + a.computeBytes) / 2) + a.weightBytes + a.loraBytes;
    const auto = await module.createTrainer({ modelPath, lora, memoryLimitBytes: limit });
    try {
      const estimate = await auto.estimateMemory({ tokens: 1024 });
      assert.equal(estimate.recompute, true);
      assert.equal(estimate.fits, true);
      const sample = { promptTokens: [1], responseTokens: Array.from({ length: 1023 }, (_, i) => 3 + (i % 1400)), advantage: 1 };
      const metrics = await auto.step({ samples: [sample], objective: 'sft', learningRate: 1e-3 });
      assert.equal(metrics.recomputed, true);
      assert.ok(metrics.peakComputeBytes <= estimate.computeBytes, `peak ${metrics.peakComputeBytes} within the estimate ${estimate.computeBytes}`);
    } finally {
      await auto.dispose();
    }
  } finally {
    await full.dispose();
    await recomputed.dispose();
  }
});
