/**
 * The native trainer against an independent implementation: a PyTorch reference (test/support/torch-reference)
 * that reads the same GGUF weights and the adapter the trainer wrote, builds the same architecture with its own
 * code, and computes per-token log-probs, the SFT and Flow-GRPO losses and their LoRA gradients by torch.autograd
 * in float64. Per architecture, with GRPO old log-probs that put ratios outside the clip range on both sides
 * (clipHigh, clipLow and the dual clip all bind) and a KL term. Needs Python 3 with torch (Debian python3-torch):
 * skipped without it, except in CI (CI=true), where a missing torch is a failure.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { NativeTrainer, StepRequest, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath, type TestModelOptions } from '../../support/test-model.ts';
import { findTorchPython, torchCheck, torchUnavailableReason, type TorchCheckCase } from '../../support/torch-reference/torch-reference.ts';
import { allTargets, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

const models: Array<{ name: string; options: TestModelOptions }> = [
  { name: 'llama (GQA, NORM rope, llama3 rope factors)', options: { arch: 'llama', ropeFreqFactors: true } },
  { name: 'qwen2 (q/k/v bias, NEOX rope, tied embeddings)', options: { arch: 'qwen2', tiedEmbeddings: true } },
  { name: 'qwen3 (q/k norm, key_length != n_embd/n_head)', options: { arch: 'qwen3' } },
];

const tolerance = 1e-4;
const clip = { clipLow: 0.2, clipHigh: 0.3, dualClip: 3 };
// old = current + shift, so ratio = exp(-shift): 0.55 (below 1 - clipLow), 1.82 (above 1 + clipHigh), 1.02 (inside), 4.5 (above the dual clip)
const shifts = [0.6, -0.6, -0.02, -1.5];

/** Largest |a - b| over a tensor, relative to the largest |b| (the reference's scale). */
function relativeError(native: ArrayLike<number>, reference: readonly number[]): { error: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs((native[i] as number) - (reference[i] as number)));
    scale = Math.max(scale, Math.abs(reference[i] as number));
  }
  return { error: scale > 0 ? diff / scale : diff, scale };
}

async function nativeGradients(
  trainer: NativeTrainer,
  request: StepRequest,
): Promise<{ loss: number; clipFraction: number; gradients: Map<string, Float32Array> }> {
  const metrics = await trainer.step({ ...request, apply: false });
  return {
    loss: metrics.loss,
    clipFraction: metrics.clipFraction,
    gradients: new Map(trainer.parameterNames().map((name) => [name, trainer.getParameter(name, { gradient: true })])),
  };
}

for (const model of models) {
  test(`${model.name}: log-probs, SFT and clipped GRPO losses and LoRA gradients equal PyTorch's within 1e-4`, async (t) => {
    if (findTorchPython() === null) {
      if (process.env.CI === 'true') assert.fail(`CI must run the PyTorch cross-check: ${torchUnavailableReason}`);
      t.skip(torchUnavailableReason);
      return;
    }
    const modelPath = testModelPath(model.options);
    const module = await trainerModule();
    // two micro-batches: packing, block-causal masks and gradient accumulation are part of what is compared
    const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: allTargets }, microBatchTokens: 24, threads: 1 });
    // on a CPU with AVX2 and FMA (or NEON) this checks the fused attention kernels; GPUs run the blockwise ggml ops
    t.diagnostic(`attention: ${trainer.info().fusedAttention ? 'fused CPU kernels' : 'blockwise ggml ops'}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-torch-check-'));
    try {
      randomizeLoraB(trainer);
      const vocab = trainer.info().model.vocabularySize;
      const base = randomSamples(vocab, [
        { prompt: 5, response: 4, advantage: 1 },
        { prompt: 3, response: 6, advantage: -0.5 },
        { prompt: 6, response: 5, advantage: 0.8 },
        { prompt: 4, response: 5, advantage: -1 },
      ]);
      const current = await trainer.logprobs(base);
      const reference = await trainer.logprobs(base, { adapter: false });
      const samples: TrainingSample[] = base.map((sample, i) => ({
        ...sample,
        weight: i === 1 ? 2 : 1,
        oldLogprobs: Array.from(current[i] as Float32Array, (value, j) => value + (shifts[(i + j) % shifts.length] as number)),
        refLogprobs: Array.from(reference[i] as Float32Array),
      }));
      const sft: StepRequest = { samples, objective: 'sft', learningRate: 0 };
      const grpo: StepRequest = { samples, objective: 'grpo', learningRate: 0, klBeta: 0.1, oldLogprobs: 'given', ...clip };
      const nativeSft = await nativeGradients(trainer, sft);
      const nativeGrpo = await nativeGradients(trainer, grpo);
      assert.ok(nativeGrpo.clipFraction >= 0.4, `clipping must bind for a meaningful check (clip fraction ${nativeGrpo.clipFraction})`);
      const adapter = path.join(dir, 'adapter.gguf');
      await trainer.saveAdapter(adapter);

      const torchSamples = samples.map((s) => ({
        promptTokens: Array.from(s.promptTokens),
        responseTokens: Array.from(s.responseTokens),
        advantage: s.advantage ?? 0,
        weight: s.weight ?? 1,
        oldLogprobs: s.oldLogprobs as number[],
        refLogprobs: s.refLogprobs as number[],
      }));
      const cases: TorchCheckCase[] = [
        { objective: 'sft', samples: torchSamples, ...clip },
        { objective: 'grpo', samples: torchSamples, klBeta: 0.1, ...clip },
      ];
      const [torchSft, torchGrpo] = torchCheck(modelPath, adapter, cases);
      assert.ok(torchSft !== undefined && torchGrpo !== undefined);

      let worstLogp = 0;
      torchSft.logprobs.forEach((row, i) =>
        row.forEach((value, j) => {
          worstLogp = Math.max(worstLogp, Math.abs(((current[i] as Float32Array)[j] as number) - value) / Math.max(1, Math.abs(value)));
        }),
      );
      assert.ok(worstLogp <= tolerance, `log-probs differ from PyTorch's by ${worstLogp.toExponential(2)} (relative)`);

      for (const [objective, ours, theirs] of [
        ['sft', nativeSft, torchSft],
        ['grpo', nativeGrpo, torchGrpo],
      ] as const) {
        const lossError = Math.abs(ours.loss - theirs.loss) / Math.abs(theirs.loss);
        assert.ok(lossError <= tolerance, `${objective} loss ${ours.loss} vs PyTorch ${theirs.loss}`);
        assert.deepEqual([...ours.gradients.keys()].sort(), Object.keys(theirs.gradients).sort(), `${objective}: the same LoRA tensors`);
        let worst = { name: '', error: 0 };
        for (const [name, gradient] of ours.gradients) {
          const { error, scale } = relativeError(gradient, theirs.gradients[name] as number[]);
          assert.ok(scale > 1e-8, `${objective} ${name}: PyTorch's gradient is zero, so the comparison would prove nothing`);
          if (error > worst.error) worst = { name, error };
        }
        assert.ok(
          worst.error <= tolerance,
          `${objective}: ${worst.name} differs from PyTorch's gradient by ${worst.error.toExponential(2)} (relative to its largest entry)`,
        );
        t.diagnostic(
          `${objective}: loss rel. error ${lossError.toExponential(1)}, worst gradient rel. error ${worst.error.toExponential(1)} (${worst.name}), log-probs ${worstLogp.toExponential(1)}`,
        );
      }
    } finally {
      await trainer.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
