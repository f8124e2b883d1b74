import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NativeTrainer, StepRequest, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath } from '../../support/test-model.ts';
import { largestGradient, lossOf, worstRelativeError } from './finite-differences.ts';
import { allTargets, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

/**
 * The branches of the Flow-GRPO loss as verl runs it (../shared/docs/agentflow-spec.md §3.5), on the native trainer:
 * per token l = max(-A r, -A clip(r, 1 - 0.2, 1 + 0.3)), for A < 0 also min(l, -c A) with the dual clip c = 3,
 * r = exp(clamp(logp - old, ±20)); plus β k3 with d = clamp(ref - logp, ±20), k3 = clamp(e^d - d - 1, -10, 10).
 * Old and reference log-probs are set per token so that every branch binds; the reported loss must equal the formula
 * evaluated here, autodiff must match central differences, and a token where a clip binds must give no gradient.
 */
const CLIP_LOW = 0.2;
const CLIP_HIGH = 0.3;
const DUAL = 3;

async function withTrainer(
  run: (
    trainer: NativeTrainer,
    samples: (shapes: Array<{ prompt: number; response: number; advantage: number }>) => TrainingSample[],
  ) => Promise<void>,
): Promise<void> {
  const module = await trainerModule();
  const trainer = await module.createTrainer({
    modelPath: testModelPath({ arch: 'qwen2' }),
    lora: { rank: 4, alpha: 8, targets: allTargets },
    microBatchTokens: 24,
  });
  try {
    randomizeLoraB(trainer);
    await run(trainer, (shapes) => randomSamples(trainer.info().model.vocabularySize, shapes));
  } finally {
    await trainer.dispose();
  }
}

/** The objective computed here from per-token log-probs (the trainer's own, adapter on), token-mean over the step. */
function expectedLoss(samples: readonly TrainingSample[], logp: readonly Float32Array[], klBeta: number, dualClip: number): number {
  const n = samples.reduce((sum, s) => sum + s.responseTokens.length, 0);
  let total = 0;
  samples.forEach((s, i) => {
    const a = s.advantage ?? 0;
    logp[i]!.forEach((lp, t) => {
      const r = Math.exp(Math.min(20, Math.max(-20, lp - (s.oldLogprobs![t] as number))));
      let l = Math.max(-a * r, -a * Math.min(1 + CLIP_HIGH, Math.max(1 - CLIP_LOW, r)));
      if (a < 0 && dualClip > 0) l = Math.min(l, -dualClip * a);
      let kl = 0;
      if (s.refLogprobs) {
        const d = Math.min(20, Math.max(-20, (s.refLogprobs[t] as number) - lp));
        kl = Math.min(10, Math.exp(d) - d - 1);
      }
      total += l + klBeta * kl;
    });
  });
  return total / n;
}

/** Old log-probs = current − ln(ratio) per token, cycling through `ratios`. */
const withRatios = (sample: TrainingSample, current: Float32Array, ratios: readonly number[]): TrainingSample => ({
  ...sample,
  oldLogprobs: Array.from(current, (lp, t) => lp - Math.log(ratios[t % ratios.length]!)),
});

test('GRPO loss and gradients with ratios outside [0.8, 1.3] for both signs of the advantage, the dual clip binding', async () => {
  await withTrainer(async (trainer, make) => {
    const base = make([
      { prompt: 5, response: 8, advantage: 1 },
      { prompt: 4, response: 8, advantage: -0.7 },
      { prompt: 6, response: 6, advantage: 0.6 },
    ]);
    const current = await trainer.logprobs(base);
    const reference = await trainer.logprobs(base, { adapter: false });
    // A > 0: 0.5 (below 1 - 0.2: unclipped for A > 0), 1.0, 2.0 (clipped at 1.3), 1.1; A < 0: 0.5 (clipped at 0.8),
    // 2.0 (unclipped for A < 0), 5.0 (beyond the dual clip 3), 1.0. Each is far enough from a bound that the
    // finite-difference step cannot cross it.
    const samples = [
      withRatios(base[0]!, current[0]!, [0.5, 1.0, 2.0, 1.1]),
      withRatios(base[1]!, current[1]!, [0.5, 2.0, 5.0, 1.0]),
      withRatios(base[2]!, current[2]!, [2.0, 0.5, 1.0]),
    ].map((s, i) => ({ ...s, refLogprobs: Array.from(reference[i]!) }));
    for (const dualClip of [DUAL, 0]) {
      const request: StepRequest = {
        samples,
        objective: 'grpo',
        learningRate: 0,
        klBeta: 0.2,
        oldLogprobs: 'given',
        clipLow: CLIP_LOW,
        clipHigh: CLIP_HIGH,
        ...(dualClip ? { dualClip } : {}),
      };
      const metrics = await trainer.step({ ...request, apply: false });
      const expected = expectedLoss(samples, current, 0.2, dualClip);
      assert.ok(
        Math.abs(metrics.loss - expected) < 1e-4 * Math.max(1, Math.abs(expected)),
        `dual clip ${dualClip}: loss ${metrics.loss} vs the formula's ${expected}`,
      );
      // clipped tokens: A > 0 at 2.0 (2 + 2), A < 0 at 0.5 (2) and, with the dual clip, at 5.0 (2); 22 tokens in all
      assert.ok(Math.abs(metrics.clipFraction - (dualClip ? 8 : 6) / 22) < 1e-9, `clip fraction ${metrics.clipFraction}`);
      const error = await worstRelativeError(trainer, request);
      assert.ok(error < 1e-2, `dual clip ${dualClip}: worst relative error ${error.toExponential(2)}`);
    }
  });
});

test('tokens where a clip binds give no gradient: A > 0 above 1.3, A < 0 below 0.8, A < 0 above the dual clip', async () => {
  await withTrainer(async (trainer, make) => {
    const gradientOf = async (advantage: number, ratio: number, dualClip: number): Promise<number> => {
      const [sample] = make([{ prompt: 5, response: 6, advantage }]);
      const [current] = await trainer.logprobs([sample!]);
      await lossOf(trainer, {
        samples: [withRatios(sample!, current!, [ratio])],
        objective: 'grpo',
        learningRate: 0,
        klBeta: 0,
        oldLogprobs: 'given',
        clipLow: CLIP_LOW,
        clipHigh: CLIP_HIGH,
        ...(dualClip ? { dualClip } : {}),
      });
      return largestGradient(trainer);
    };
    assert.equal(await gradientOf(1, 1.6, DUAL), 0);
    assert.equal(await gradientOf(-1, 0.6, DUAL), 0);
    assert.equal(await gradientOf(-1, 4, DUAL), 0);
    // and where no clip binds, the same tokens do move the adapter
    assert.ok((await gradientOf(1, 0.6, DUAL)) > 1e-4);
    assert.ok((await gradientOf(-1, 1.6, DUAL)) > 1e-4);
    assert.ok((await gradientOf(-1, 4, 0)) > 1e-4, 'without the dual clip a large ratio with A < 0 is not clipped');
  });
});

test('the log-ratio is clamped to ±20 as verl does: the value saturates at e^20 and gives no gradient', async () => {
  await withTrainer(async (trainer, make) => {
    const [sample] = make([{ prompt: 5, response: 6, advantage: -1 }]);
    const [current] = await trainer.logprobs([sample!]);
    const far = { ...sample!, oldLogprobs: Array.from(current!, (lp) => lp - 25) };
    const metrics = await trainer.step({
      samples: [far],
      objective: 'grpo',
      learningRate: 0,
      klBeta: 0,
      oldLogprobs: 'given',
      clipLow: CLIP_LOW,
      clipHigh: CLIP_HIGH,
      apply: false,
    });
    assert.ok(Math.abs(metrics.loss / Math.exp(20) - 1) < 1e-4, `loss ${metrics.loss}: -A e^20 expected, not e^25`);
    assert.equal(largestGradient(trainer), 0);
  });
});

test('the k3 KL is clamped as verl does (log-diff ±20, k3 at most 10): loss and gradients match, clamped tokens give none', async () => {
  await withTrainer(async (trainer, make) => {
    const base = make([
      { prompt: 5, response: 8, advantage: 0 },
      { prompt: 4, response: 6, advantage: 0.5 },
    ]);
    const current = await trainer.logprobs(base);
    // ref − logp: 3 (k3 = 16.1, clamped to 10), −12 (k3 = 11, clamped), 25 (d clamped to 20, k3 clamped), 0.5 (free)
    const deltas = [3, -12, 25, 0.5];
    const samples = base.map((s, i) => ({
      ...s,
      oldLogprobs: Array.from(current[i]!),
      refLogprobs: Array.from(current[i]!, (lp, t) => lp + deltas[t % deltas.length]!),
    }));
    const request: StepRequest = {
      samples,
      objective: 'grpo',
      learningRate: 0,
      klBeta: 0.5,
      oldLogprobs: 'given',
      clipLow: CLIP_LOW,
      clipHigh: CLIP_HIGH,
      dualClip: DUAL,
    };
    const metrics = await trainer.step({ ...request, apply: false });
    const expected = expectedLoss(samples, current, 0.5, DUAL);
    assert.ok(Math.abs(metrics.loss - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `loss ${metrics.loss} vs the formula's ${expected}`);
    const error = await worstRelativeError(trainer, request);
    assert.ok(error < 1e-2, `worst relative error ${error.toExponential(2)}`);
    // only clamped KL tokens (A = 0, so no policy term): no gradient at all, and the mean KL is the clamp, 10
    const clamped = { ...samples[0]!, refLogprobs: Array.from(current[0]!, (lp, t) => lp + [3, -12, 25][t % 3]!) };
    const only = await trainer.step({ ...request, samples: [clamped], apply: false });
    assert.ok(Math.abs(only.kl - 10) < 1e-9, `kl ${only.kl}`);
    assert.equal(largestGradient(trainer), 0);
  });
});
