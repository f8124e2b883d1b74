/**
 * Prefix sharing: samples whose prompts start with the same tokens (a group's rollouts of one task, a rollout's later
 * turn) share one copy of the common prefix in a micro-batch. It must be exact: the same per-token log-probs, loss
 * and gradients as packing them apart, on the hand-written backward (full and recomputed) and on ggml's autodiff,
 * for GRPO with moving ratios and for SFT; and it must put fewer tokens through the model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath } from '../../support/test-model.ts';
import { allTargets, assertSameGradients, copyParameters, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

/** A task's prompt (40 tokens) with three sampled responses, a later turn whose prompt extends it, and an unrelated sample. */
function groupSamples(vocab: number): TrainingSample[] {
  const [first, second, third, other] = randomSamples(vocab, [
    { prompt: 40, response: 4, advantage: 1.2 },
    { prompt: 1, response: 5, advantage: -0.7 },
    { prompt: 8, response: 6, advantage: 0.4 },
    { prompt: 10, response: 5, advantage: -1 },
  ]);
  const prompt = first!.promptTokens;
  return [
    first!,
    { ...second!, promptTokens: prompt },
    { promptTokens: prompt, responseTokens: [...third!.responseTokens], advantage: -0.9 },
    // a later turn: the same prompt, then what the first turn added
    { promptTokens: [...prompt, ...third!.promptTokens], responseTokens: second!.responseTokens, advantage: 0.3 },
    other!,
  ];
}

for (const variant of [
  { name: 'hand-written backward', options: {} },
  { name: 'hand-written backward, recomputed per layer', options: { recompute: true } },
  { name: 'autodiff backward', options: { backward: 'autodiff' as const } },
]) {
  test(`shared prefixes give the same log-probs, loss and gradients with fewer tokens (${variant.name})`, async () => {
    const module = await trainerModule();
    const modelPath = testModelPath();
    const lora = { rank: 4, alpha: 8, targets: allTargets };
    const shared = await module.createTrainer({ modelPath, lora, microBatchTokens: 256, packTokens: 64, ...variant.options });
    const apart = await module.createTrainer({ modelPath, lora, microBatchTokens: 256, packTokens: 64, sharePrefixes: false, ...variant.options });
    try {
      randomizeLoraB(shared);
      copyParameters(shared, apart);
      const samples = groupSamples(shared.info().model.vocabularySize);

      const logpShared = await shared.logprobs(samples, { adapter: true });
      const logpApart = await apart.logprobs(samples, { adapter: true });
      for (let i = 0; i < samples.length; i++) {
        assert.equal(logpShared[i]!.length, samples[i]!.responseTokens.length);
        for (let j = 0; j < logpShared[i]!.length; j++) {
          assert.ok(Math.abs(logpShared[i]![j]! - logpApart[i]![j]!) <= 1e-5, `sample ${i} token ${j}: ${logpShared[i]![j]} vs ${logpApart[i]![j]}`);
        }
      }

      // GRPO against old log-probs that differ from the current policy (ratios away from 1, some clipped)
      const withOld = samples.map((s, i) => ({ ...s, oldLogprobs: Float32Array.from(logpApart[i]!, (v, j) => v + (((i + j) % 3) - 1) * 0.4) }));
      for (const request of [
        { samples: withOld, objective: 'grpo' as const, oldLogprobs: 'given' as const, dualClip: 3, klBeta: 0.01, learningRate: 0, apply: false },
        { samples, objective: 'sft' as const, learningRate: 0, apply: false },
      ]) {
        const a = await shared.step(request);
        const b = await apart.step(request);
        assert.ok(Math.abs(a.loss - b.loss) <= 1e-5 * Math.max(1, Math.abs(a.loss)), `${request.objective} loss ${a.loss} vs ${b.loss}`);
        if (request.objective === 'grpo')
          assert.ok(Math.abs(a.clipFraction - b.clipFraction) < 1e-9 && a.clipFraction > 0, `clip fraction ${a.clipFraction} vs ${b.clipFraction}`);
        assertSameGradients(shared, apart, request.objective);
        // apart: [44 15] [45] [46] [53] with packTokens 64; shared: the prefix (39) once + branches 5, 6, 7, 14, then the other sample
        assert.equal(b.microBatches, 4);
        assert.equal(a.microBatches, 2);
        assert.equal(a.packedTokens, 39 + 5 + 6 + 7 + 14 + 15);
        assert.equal(b.packedTokens, 44 + 45 + 46 + 53 + 15);
      }
    } finally {
      await shared.dispose();
      await apart.dispose();
    }
  });
}
