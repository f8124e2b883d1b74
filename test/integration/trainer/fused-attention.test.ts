/**
 * The fused CPU attention kernels (native/src/fused-attention*.cpp: forward and backward tile by tile, the mask as
 * key intervals) against the blockwise ggml ops they replace on the CPU (`fusedAttention: false`, the graph GPU
 * backends run): the same loss and LoRA gradients for SFT and clipped GRPO with a KL term, on a micro-batch that packs
 * a shared prefix with four branches (one a later turn) and two more samples, long enough to cross several tiles of
 * queries and keys, with the full graph and with per-layer recomputation, on two head layouts (head size 16 with GQA
 * 4:2; head size 12 with GQA 4:1, which takes the kernels' scalar tails, on two threads). Each fails when the kernels
 * ignore the prefix interval of the mask, let a branch see the other branches, or skip the mask in the backward
 * (checked by editing the kernel). Then the fused kernels on a prefix-shared
 * batch against the independent PyTorch reference (skipped without torch, except in CI).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { NativeTrainer, StepRequest, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath, type TestModelOptions } from '../../support/test-model.ts';
import { findTorchPython, torchCheck, torchUnavailableReason } from '../../support/torch-reference/torch-reference.ts';
import { allTargets, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

const tolerance = 1e-4;
const clip = { clipLow: 0.2, clipHigh: 0.3, dualClip: 3 };

/** Largest |a - b| of a tensor relative to its largest |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): { error: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return { error: scale > 0 ? diff / scale : diff, scale };
}

/**
 * A task's 150-token prompt with three responses and a later turn (the prompt, then 30 more tokens): with prefix
 * sharing one segment of 149 + 4 branches; then two unrelated samples in segments of their own.
 */
function packedSamples(vocab: number): TrainingSample[] {
  const [task, a, b, c, turn, other, last] = randomSamples(
    vocab,
    [
      { prompt: 150, response: 1 },
      { prompt: 1, response: 37, advantage: 1.1 },
      { prompt: 1, response: 45, advantage: -0.8 },
      { prompt: 1, response: 29, advantage: 0.5 },
      { prompt: 30, response: 21, advantage: -1.2 },
      { prompt: 40, response: 33, advantage: 0.9 },
      { prompt: 9, response: 70, advantage: -0.4 },
    ],
    11,
  );
  const prompt = task!.promptTokens;
  return [
    { ...a!, promptTokens: prompt },
    { ...b!, promptTokens: prompt },
    { ...c!, promptTokens: prompt },
    { ...turn!, promptTokens: [...prompt, ...turn!.promptTokens] },
    other!,
    last!,
  ];
}

async function gradients(
  trainer: NativeTrainer,
  request: StepRequest,
): Promise<{ loss: number; clipFraction: number; packedTokens: number; microBatches: number; gradients: Map<string, Float32Array> }> {
  const m = await trainer.step({ ...request, apply: false });
  return {
    loss: m.loss,
    clipFraction: m.clipFraction,
    packedTokens: m.packedTokens,
    microBatches: m.microBatches,
    gradients: new Map(trainer.parameterNames().map((name) => [name, trainer.getParameter(name, { gradient: true })])),
  };
}

// the second also runs the kernels on two threads (heads and query tiles dealt between them)
const models: Array<{ name: string; options: TestModelOptions; threads: number }> = [
  { name: 'qwen2, head size 16, GQA 4:2', options: { arch: 'qwen2' }, threads: 1 },
  { name: 'llama, head size 12, GQA 4:1, 2 threads', options: { arch: 'llama', nEmbd: 48, nHead: 4, nHeadKv: 1 }, threads: 2 },
];

for (const model of models) {
  for (const recompute of [false, true]) {
    test(
      `fused attention = blockwise attention: loss and gradients on a prefix-shared packed batch (${model.name}${recompute ? ', recomputed per layer' : ''})`,
      { skip: process.env.INFLOW_TEST_TRAINER_GPU === '1' && 'the fused kernels are CPU only' },
      async () => {
        const module = await trainerModule();
        const modelPath = testModelPath(model.options);
        const options = {
          modelPath,
          lora: { rank: 4, alpha: 8, targets: allTargets },
          microBatchTokens: 1024,
          packTokens: 1024,
          recompute,
          threads: model.threads,
        };
        const fused = await module.createTrainer({ ...options, fusedAttention: true });
        const blockwise = await module.createTrainer({ ...options, fusedAttention: false });
        try {
          assert.equal(fused.info().fusedAttention, true);
          assert.equal(blockwise.info().fusedAttention, false);
          randomizeLoraB(fused);
          for (const name of fused.parameterNames()) blockwise.setParameter(name, fused.getParameter(name));
          const samples = packedSamples(fused.info().model.vocabularySize);
          const current = await blockwise.logprobs(samples);
          const reference = await blockwise.logprobs(samples, { adapter: false });
          const shifts = [0.6, -0.6, -0.02, -1.5];
          const withOld = samples.map((s, i) => ({
            ...s,
            oldLogprobs: Float32Array.from(current[i]!, (v, j) => v + shifts[(i + j) % shifts.length]!),
            refLogprobs: reference[i]!,
          }));
          for (const request of [
            { samples, objective: 'sft' as const, learningRate: 0 },
            { samples: withOld, objective: 'grpo' as const, oldLogprobs: 'given' as const, klBeta: 0.1, learningRate: 0, ...clip },
          ]) {
            const a = await gradients(fused, request);
            const b = await gradients(blockwise, request);
            // one micro-batch: the shared segment (149 + 38 + 46 + 30 + 52 tokens), 73 and 79 tokens
            assert.equal(a.microBatches, 1);
            assert.equal(a.packedTokens, 149 + 38 + 46 + 30 + 52 + 73 + 79);
            assert.ok(Math.abs(a.loss - b.loss) <= tolerance * Math.abs(b.loss), `${request.objective} loss ${a.loss} vs ${b.loss}`);
            if (request.objective === 'grpo')
              assert.ok(a.clipFraction === b.clipFraction && a.clipFraction > 0.3, `clip fraction ${a.clipFraction} vs ${b.clipFraction}`);
            for (const [name, gradient] of a.gradients) {
              const { error, scale } = relativeError(gradient, b.gradients.get(name)!);
              assert.ok(scale > 0, `${request.objective} ${name}: zero gradient, the comparison would prove nothing`);
              assert.ok(
                error <= tolerance,
                `${request.objective} ${name}: fused and blockwise gradients differ by ${error.toExponential(2)} (relative)`,
              );
            }
          }
        } finally {
          await fused.dispose();
          await blockwise.dispose();
        }
      },
    );
  }
}

test(
  "fused attention on a prefix-shared batch: log-probs, losses and LoRA gradients equal PyTorch's within 1e-4",
  { skip: process.env.INFLOW_TEST_TRAINER_GPU === '1' && 'the fused kernels are CPU only' },
  async (t) => {
    if (findTorchPython() === null) {
      if (process.env.CI === 'true') assert.fail(`CI must run the PyTorch cross-check: ${torchUnavailableReason}`);
      t.skip(torchUnavailableReason);
      return;
    }
    const modelPath = testModelPath({ arch: 'llama', nEmbd: 48, nHead: 4, nHeadKv: 1 });
    const module = await trainerModule();
    const trainer = await module.createTrainer({
      modelPath,
      lora: { rank: 4, alpha: 8, targets: allTargets },
      microBatchTokens: 1024,
      packTokens: 1024,
      threads: 1,
      fusedAttention: true,
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-fused-torch-'));
    try {
      assert.equal(trainer.info().fusedAttention, true);
      randomizeLoraB(trainer);
      const samples = packedSamples(trainer.info().model.vocabularySize);
      const current = await trainer.logprobs(samples);
      const reference = await trainer.logprobs(samples, { adapter: false });
      const shifts = [0.6, -0.6, -0.02, -1.5];
      const withOld = samples.map((s, i) => ({
        promptTokens: Array.from(s.promptTokens),
        responseTokens: Array.from(s.responseTokens),
        advantage: s.advantage ?? 0,
        weight: 1,
        oldLogprobs: Array.from(current[i]!, (v, j) => v + shifts[(i + j) % shifts.length]!),
        refLogprobs: Array.from(reference[i]!),
      }));
      const sft = await gradients(trainer, { samples: withOld, objective: 'sft', learningRate: 0 });
      const grpo = await gradients(trainer, { samples: withOld, objective: 'grpo', oldLogprobs: 'given', klBeta: 0.1, learningRate: 0, ...clip });
      assert.equal(sft.microBatches, 1, 'one micro-batch with the shared segment');
      assert.ok(sft.packedTokens < samples.reduce((n, s) => n + s.promptTokens.length + s.responseTokens.length, 0), 'the prefix is shared');
      const adapter = path.join(dir, 'adapter.gguf');
      await trainer.saveAdapter(adapter);
      const [torchSft, torchGrpo] = torchCheck(modelPath, adapter, [
        { objective: 'sft', samples: withOld, ...clip },
        { objective: 'grpo', samples: withOld, klBeta: 0.1, ...clip },
      ]);
      assert.ok(torchSft !== undefined && torchGrpo !== undefined);
      for (const [objective, ours, theirs] of [
        ['sft', sft, torchSft],
        ['grpo', grpo, torchGrpo],
      ] as const) {
        const lossError = Math.abs(ours.loss - theirs.loss) / Math.abs(theirs.loss);
        assert.ok(lossError <= tolerance, `${objective} loss ${ours.loss} vs PyTorch ${theirs.loss}`);
        let worst = { name: '', error: 0 };
        for (const [name, gradient] of ours.gradients) {
          const { error, scale } = relativeError(gradient, theirs.gradients[name] as number[]);
          assert.ok(scale > 1e-8, `${objective} ${name}: PyTorch's gradient is zero, the comparison would prove nothing`);
          if (error > worst.error) worst = { name, error };
        }
        assert.ok(
          worst.error <= tolerance,
          `${objective}: ${worst.name} differs from PyTorch's gradient by ${worst.error.toExponential(2)} (relative)`,
        );
        t.diagnostic(
          `${objective}: loss rel. error ${lossError.toExponential(1)}, worst gradient rel. error ${worst.error.toExponential(1)} (${worst.name})`,
        );
      }
    } finally {
      await trainer.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
