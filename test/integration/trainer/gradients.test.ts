import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StepRequest, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { worstRelativeError } from './finite-differences.ts';
import { testModelPath, type TestModelOptions } from '../../support/test-model.ts';
import { allTargets, maxAbsDifference, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

const models: Array<{ name: string; options: TestModelOptions }> = [
  { name: 'llama (GQA, NORM rope)', options: { arch: 'llama' } },
  { name: 'qwen2 (q/k/v bias, NEOX rope, tied embeddings)', options: { arch: 'qwen2', tiedEmbeddings: true } },
  { name: 'qwen3 (q/k norm, key_length != n_embd/n_head)', options: { arch: 'qwen3' } },
  { name: 'llama3 rope frequency factors, tied embeddings', options: { arch: 'llama', ropeFreqFactors: true, tiedEmbeddings: true } },
];

for (const model of models) {
  for (const objective of ['grpo', 'sft'] as const) {
    test(`${model.name}: ${objective} LoRA gradients match central finite differences`, async () => {
      const modelPath = testModelPath(model.options);
      const module = await trainerModule();
      const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: allTargets }, microBatchTokens: 24 });
      try {
        randomizeLoraB(trainer);
        const vocab = trainer.info().model.vocabularySize;
        // two micro-batches of packed samples: gradient accumulation and block-causal masks are part of the check
        const base = randomSamples(vocab, [
          { prompt: 5, response: 4, advantage: 1 },
          { prompt: 3, response: 6, advantage: -0.5 },
          { prompt: 6, response: 5, advantage: 0.8 },
        ]);
        const current = await trainer.logprobs(base);
        const reference = await trainer.logprobs(base, { adapter: false });
        // an old policy a little away from the current one, so that ratios differ from 1 (but stay unclipped)
        const samples: TrainingSample[] = base.map((sample, i) => ({
          ...sample,
          weight: i === 1 ? 2 : 1,
          oldLogprobs: Array.from(current[i] as Float32Array, (value, j) => value + (j % 2 === 0 ? 0.05 : -0.04)),
          refLogprobs: Array.from(reference[i] as Float32Array),
        }));
        const request: StepRequest = { samples, objective, learningRate: 0, klBeta: 0.2, oldLogprobs: 'given' };
        const error = await worstRelativeError(trainer, request);
        assert.ok(error < 1e-2, `worst relative error ${error.toExponential(2)}`);
      } finally {
        await trainer.dispose();
      }
    });
  }
}

test('GRPO without given old log-probs equals GRPO with the old policy computed by the trainer (ratio 1)', async () => {
  const module = await trainerModule();
  const trainer = await module.createTrainer({
    modelPath: testModelPath({ arch: 'qwen3' }),
    lora: { rank: 4, alpha: 8, targets: allTargets },
    microBatchTokens: 24,
  });
  try {
    randomizeLoraB(trainer);
    const samples = randomSamples(trainer.info().model.vocabularySize, [
      { prompt: 5, response: 4, advantage: 1 },
      { prompt: 3, response: 6, advantage: -0.5 },
      { prompt: 6, response: 5, advantage: 0.8 },
    ]);
    const gradients = (): Float32Array[] => trainer.parameterNames().map((name) => trainer.getParameter(name, { gradient: true }));
    const implicit = await trainer.step({ samples, objective: 'grpo', klBeta: 0.2, learningRate: 0, apply: false });
    const implicitGradients = gradients();
    const old = await trainer.logprobs(samples);
    const explicit = await trainer.step({
      samples: samples.map((sample, i) => ({ ...sample, oldLogprobs: old[i] as Float32Array })),
      objective: 'grpo',
      klBeta: 0.2,
      learningRate: 0,
      apply: false,
      oldLogprobs: 'given',
    });
    assert.ok(Math.abs(implicit.loss - explicit.loss) < 1e-6, `${implicit.loss} vs ${explicit.loss}`);
    assert.equal(implicit.kl, explicit.kl);
    assert.ok(maxAbsDifference(implicitGradients, gradients()) < 1e-6);
  } finally {
    await trainer.dispose();
  }
});
