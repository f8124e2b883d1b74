import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NativeTrainerModule, StepRequest, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath, type TestModelOptions } from '../../support/test-model.ts';
import { allTargets, maxAbsDifference, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

// The hand-written backward (the default) against ggml's autodiff: same loss, log-probs and LoRA gradients, for every
// architecture, GRPO (ratios away from 1, clipping binding for some tokens, KL) and SFT, the full graph and per-layer
// recomputation, with packed samples and micro-batches longer than one attention block (256 queries).
const models: Array<{ name: string; options: TestModelOptions }> = [
  { name: 'llama (GQA, NORM rope)', options: { arch: 'llama' } },
  { name: 'qwen2 (biases, NEOX rope, tied embeddings)', options: { arch: 'qwen2', tiedEmbeddings: true } },
  { name: 'qwen3 (q/k norm, key_length != n_embd/n_head)', options: { arch: 'qwen3' } },
  { name: 'llama3 rope frequency factors, tied embeddings', options: { arch: 'llama', ropeFreqFactors: true, tiedEmbeddings: true } },
];

interface Outcome {
  loss: number;
  logprobs: Float32Array[];
  gradients: Float32Array[];
}

async function outcome(
  module: NativeTrainerModule,
  modelPath: string,
  backward: 'manual' | 'autodiff',
  recompute: boolean,
  objective: 'grpo' | 'sft',
  base: TrainingSample[],
): Promise<Outcome> {
  const trainer = await module.createTrainer({
    modelPath,
    lora: { rank: 4, alpha: 8, targets: allTargets },
    microBatchTokens: 600,
    recompute,
    headChunkTokens: 200,
    backward,
  });
  try {
    assert.equal(trainer.info().backward, backward);
    randomizeLoraB(trainer);
    const current = await trainer.logprobs(base);
    const reference = await trainer.logprobs(base, { adapter: false });
    // old log-probs shifted by +-0.05 .. +-0.4: some ratios leave the clip range, so the PPO bounds bind
    const samples = base.map((sample, i) => ({
      ...sample,
      weight: i === 1 ? 2 : 1,
      oldLogprobs: Array.from(current[i] as Float32Array, (value, j) => value + (j % 3 === 0 ? 0.4 : j % 3 === 1 ? -0.05 : -0.4)),
      refLogprobs: Array.from(reference[i] as Float32Array),
    }));
    const request: StepRequest = { samples, objective, learningRate: 0, klBeta: 0.2, oldLogprobs: 'given', apply: false };
    const metrics = await trainer.step(request);
    assert.equal(metrics.recomputed, recompute);
    if (objective === 'grpo') assert.ok(metrics.clipFraction > 0, 'some tokens are clipped');
    return {
      loss: metrics.loss,
      logprobs: current,
      gradients: trainer.parameterNames().map((name) => trainer.getParameter(name, { gradient: true })),
    };
  } finally {
    await trainer.dispose();
  }
}

// the CPU's graph (OUT_PROD with long rows for the products over tokens) and the portable one every GPU backend gets
// (MUL_MAT on transposed copies only), built here by INFLOW_TRAINER_PORTABLE_GRAPH=1
const graphs = [
  { name: 'CPU graph', portable: false },
  { name: 'portable graph', portable: true },
];

for (const model of models)
  for (const graph of graphs) {
    test(`${model.name}, ${graph.name}: the hand-written backward equals autodiff (GRPO and SFT, full graph and recomputation)`, async () => {
      const module = await trainerModule();
      const modelPath = testModelPath(model.options);
      // two micro-batches; the first packs 530 tokens (three attention blocks), the second is one sample of 14 tokens
      // (the portable graph widens its products with <= 16 columns: CUDA would round them to TF32)
      const base = randomSamples(1500, [
        { prompt: 150, response: 120, advantage: 1 },
        { prompt: 40, response: 220, advantage: -0.7 },
        { prompt: 5, response: 9, advantage: 0.5 },
      ]);
      for (const objective of ['grpo', 'sft'] as const) {
        const reference = await outcome(module, modelPath, 'autodiff', false, objective, base);
        const scale = Math.max(...reference.gradients.map((values) => Math.max(...values.map(Math.abs))));
        assert.ok(scale > 1e-4, 'gradients are not zero');
        for (const recompute of [false, true]) {
          if (graph.portable) process.env.INFLOW_TRAINER_PORTABLE_GRAPH = '1';
          let manual: Outcome;
          try {
            manual = await outcome(module, modelPath, 'manual', recompute, objective, base);
          } finally {
            delete process.env.INFLOW_TRAINER_PORTABLE_GRAPH;
          }
          const label = `${objective}, recompute ${recompute}`;
          assert.ok(
            maxAbsDifference(manual.logprobs, reference.logprobs) < 2e-5,
            `${label}: log-probs differ by ${maxAbsDifference(manual.logprobs, reference.logprobs)}`,
          );
          assert.ok(
            Math.abs(manual.loss - reference.loss) < 1e-5 * Math.max(1, Math.abs(reference.loss)),
            `${label}: loss ${manual.loss} vs ${reference.loss}`,
          );
          const difference = maxAbsDifference(manual.gradients, reference.gradients);
          assert.ok(
            difference <= 1e-4 * scale,
            `${label}: max gradient difference ${difference.toExponential(2)} (largest gradient ${scale.toExponential(2)})`,
          );
        }
      }
    });
  }

test('loss scaling (INFLOW_TRAINER_LOSS_SCALE, 1024 on Metal) leaves the gradients unchanged; the CPU step runs in one graph split', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen3' });
  const samples = randomSamples(1500, [
    { prompt: 20, response: 30, advantage: 1 },
    { prompt: 8, response: 12, advantage: -1 },
  ]);
  const gradients: Float32Array[][] = [];
  for (const scale of [undefined, '1024']) {
    if (scale !== undefined) process.env.INFLOW_TRAINER_LOSS_SCALE = scale;
    try {
      const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: allTargets } });
      try {
        randomizeLoraB(trainer);
        const metrics = await trainer.step({ samples, objective: 'grpo', klBeta: 0.1, learningRate: 0, apply: false });
        assert.equal(metrics.graphSplits, 1);
        assert.equal(metrics.weightCopyBytes, 0);
        gradients.push(trainer.parameterNames().map((name) => trainer.getParameter(name, { gradient: true })));
      } finally {
        await trainer.dispose();
      }
    } finally {
      delete process.env.INFLOW_TRAINER_LOSS_SCALE;
    }
  }
  // a power of two scales exactly: the gradients are bit-identical
  assert.equal(maxAbsDifference(gradients[0] as Float32Array[], gradients[1] as Float32Array[]), 0);
  assert.ok(Math.max(...(gradients[0] as Float32Array[]).map((g) => Math.max(...g.map(Math.abs)))) > 0);
});

test('estimateMemory matches the compute buffers a step measures (hand-written backward, full graph and recomputation)', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen2', nLayer: 4 });
  const sample = { promptTokens: [1], responseTokens: Array.from({ length: 599 }, (_, i) => 3 + ((i * 37) % 1400)), advantage: 1 };
  for (const [recompute, fusedAttention] of [
    [false, true],
    [true, true],
    [false, false],
    [true, false],
  ]) {
    const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: allTargets }, recompute, fusedAttention });
    try {
      const estimate = await trainer.estimateMemory({ tokens: 600, objective: 'sft' });
      const metrics = await trainer.step({ samples: [sample], objective: 'sft', learningRate: 1e-3 });
      // the estimate is the measured device buffers plus two host-side terms: the attention's mask (the fused CPU
      // kernels': 3 key bounds per query; the blockwise ops': the blocks' masks, blocks of 256 query rows, 128 when
      // recomputing, keys x queries floats each) and, recomputing, the kept layer inputs and two gradient buffers
      // ((layers + 3) x d x T floats)
      const block = recompute ? 128 : 256,
        T = 600,
        { layerCount, embeddingLength } = trainer.info().model;
      let host = 0;
      if (trainer.info().fusedAttention) host = 3 * T * 4;
      else for (let q0 = 0; q0 < T; q0 += block) host += Math.min(T, q0 + block) * (Math.min(T, q0 + block) - q0) * 4;
      if (recompute) host += (layerCount + 3) * embeddingLength * T * 4;
      const expected = metrics.peakComputeBytes + host;
      assert.ok(
        Math.abs(estimate.computeBytes - expected) <= 0.02 * expected,
        `recompute ${recompute}, fused attention ${fusedAttention}: estimate ${estimate.computeBytes}, measured ${metrics.peakComputeBytes} + host ${host}`,
      );
      assert.ok(
        estimate.weightBytes > trainer.info().weightBytes * 0.99 && trainer.info().backward === 'manual',
        'weights include the transposed copies',
      );
    } finally {
      await trainer.dispose();
    }
  }
});
