import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInProcessTrainer } from '../../../electron/core/training/trainer/in-process-trainer.ts';
import { miniBatchStep } from '../../../electron/core/training/flow-grpo/minibatch-update.ts';
import type { TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath } from '../../support/test-model.ts';
import { largestGradient } from './finite-differences.ts';
import { allTargets, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

/**
 * A training step as the reference runs it: old log-probs fixed before the first update, four mini-batch updates,
 * ratios that move away from 1 so that clipping binds, and tokens where it binds contributing no gradient.
 */
test('a four-mini-batch step: the first update has ratio 1, later ones clip, and clipped tokens give no gradient', async () => {
  const module = await trainerModule();
  const trainer = await module.createTrainer({ modelPath: testModelPath({ arch: 'qwen2' }), lora: { rank: 4, alpha: 8, targets: allTargets } });
  try {
    randomizeLoraB(trainer);
    // one response token per sample, so a sample is a token: "the clipped tokens" are whole samples to step on alone
    const shapes = Array.from({ length: 16 }, (_, i) => ({ prompt: 6 + (i % 3), response: 1, advantage: i % 2 === 0 ? 1 : -1 }));
    const samples = randomSamples(trainer.info().model.vocabularySize, shapes, 11);
    const old = await trainer.logprobs(samples);
    const result = await miniBatchStep(trainer, {
      samples: samples.map((s) => ({ promptTokens: [...s.promptTokens], responseTokens: [...s.responseTokens], advantage: s.advantage! })),
      objective: 'grpo',
      learningRate: 0.05,
      clipLow: 0.2,
      clipHigh: 0.3,
      dualClip: 3,
      klBeta: 0,
      miniBatches: 4,
      seed: 1,
    });
    assert.equal(result.updates?.length, 4);
    assert.deepEqual(
      result.updates!.map((u) => u.samples),
      [4, 4, 4, 4],
    );
    assert.equal(result.updates![0]!.clipFraction, 0, 'the first update sees the policy that sampled: ratio 1');
    assert.ok(
      result.updates!.slice(1).some((u) => u.clipFraction > 0),
      `clip fractions ${result.updates!.map((u) => u.clipFraction).join(', ')}`,
    );

    // against the same fixed old log-probs, which samples does the updated policy clip?
    const now = await trainer.logprobs(samples);
    const given: TrainingSample[] = samples.map((s, i) => ({ ...s, oldLogprobs: old[i]! }));
    const clipped = given.filter((s, i) => {
      const ratio = Math.exp(now[i]![0]! - old[i]![0]!);
      return s.advantage! > 0 ? ratio > 1.3 : ratio < 0.8 || ratio > 3;
    });
    const free = given.filter((s) => !clipped.includes(s));
    assert.ok(clipped.length > 0 && free.length > 0, `${clipped.length} clipped, ${free.length} not`);
    const request = {
      objective: 'grpo' as const,
      learningRate: 0,
      clipLow: 0.2,
      clipHigh: 0.3,
      dualClip: 3,
      klBeta: 0,
      oldLogprobs: 'given' as const,
      apply: false,
    };
    await trainer.step({ ...request, samples: clipped });
    assert.equal(largestGradient(trainer), 0, 'clipped tokens give no gradient');
    await trainer.step({ ...request, samples: free });
    assert.ok(largestGradient(trainer) > 1e-5, 'unclipped tokens do');
  } finally {
    await trainer.dispose();
  }
});

test("a sample longer than 2048 tokens trains when the trainer is sized to the rollouts' context (it failed every step before)", async () => {
  const module = await trainerModule();
  const lora = { rank: 2, alpha: 4, targets: ['q', 'v'] };
  const [long] = randomSamples(1000, [{ prompt: 2060, response: 35, advantage: 1 }]);
  const sized = await createInProcessTrainer({ modelPath: testModelPath(), lora, threads: 1, maxSampleTokens: 4096 });
  try {
    const result = await sized.step({
      samples: [{ promptTokens: [...long!.promptTokens], responseTokens: [...long!.responseTokens], advantage: 1 }],
      objective: 'grpo',
      clipLow: 0.2,
      clipHigh: 0.3,
      klBeta: 0,
      learningRate: 1e-4,
    });
    assert.ok(Number.isFinite(result.loss));
  } finally {
    await sized.close();
  }
  // the trainer's own default (2048-token micro-batches) refuses it: the fault the rollouts' context now sizes away
  const plain = await module.createTrainer({ modelPath: testModelPath(), lora, threads: 1 });
  try {
    await assert.rejects(
      plain.step({ samples: [long!], objective: 'grpo', learningRate: 1e-4 }),
      (error: unknown) => (error as { code?: string }).code === 'SAMPLE_TOO_LONG' && /2095 tokens/.test((error as Error).message),
    );
  } finally {
    await plain.dispose();
  }
});

test("mini-batches keep each task group whole, as verl splits a step by prompts, and share the group's prompt prefix", async () => {
  const module = await trainerModule();
  const trainer = await module.createTrainer({ modelPath: testModelPath(), lora: { rank: 2, alpha: 4, targets: ['q', 'v'] }, threads: 1 });
  try {
    // four tasks with 3, 4, 5 and 4 rollouts of one turn each: a group's samples share their task's 30-token prompt
    const sizes = [3, 4, 5, 4];
    const prompts = randomSamples(
      trainer.info().model.vocabularySize,
      sizes.map(() => ({ prompt: 30, response: 1 })),
      5,
    ).map((s) => s.promptTokens);
    const responses = randomSamples(
      trainer.info().model.vocabularySize,
      Array.from({ length: 16 }, () => ({ prompt: 0, response: 6 })),
      6,
    );
    let k = 0;
    const samples = sizes.flatMap((size, group) =>
      Array.from({ length: size }, (_, i) => ({
        promptTokens: [...prompts[group]!],
        responseTokens: [...responses[k++]!.responseTokens],
        advantage: i % 2 === 0 ? 1 : -1,
        group,
      })),
    );
    const result = await miniBatchStep(trainer, {
      samples,
      objective: 'grpo',
      learningRate: 1e-3,
      clipLow: 0.2,
      clipHigh: 0.3,
      dualClip: 3,
      klBeta: 0,
      miniBatches: 4,
      seed: 3,
    });
    assert.deepEqual(result.updates!.map((u) => u.samples).sort(), [3, 4, 4, 5], 'one whole group per update');
    // the old-policy pass over all 16 samples and the four updates, each group's prompt prefix (29 tokens) counted once
    const shared = (size: number) => 29 + size * (1 + 6);
    assert.equal(
      result.tokens,
      sizes.reduce((sum, size) => sum + 2 * shared(size), 0),
    );

    const two = await miniBatchStep(trainer, {
      samples: samples.filter((s) => s.group < 2),
      objective: 'grpo',
      learningRate: 1e-3,
      clipLow: 0.2,
      clipHigh: 0.3,
      klBeta: 0,
      miniBatches: 4,
      seed: 3,
    });
    assert.deepEqual(two.updates!.map((u) => u.samples).sort(), [3, 4], 'two groups make two updates, not four');
  } finally {
    await trainer.dispose();
  }
});
