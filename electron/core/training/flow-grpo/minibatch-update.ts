import type { NativeTrainer, TrainingSample } from '../trainer/native-trainer.ts';
import { seededShuffle } from '../seeded-random.ts';
import type { TrainStepRequest, TrainStepResult, UpdateMetrics } from '../trainer/trainer-protocol.ts';

export interface UpdateProgress {
  /** 'old' | 'reference' (the fixed passes before the first update), 'train' (a micro-batch), 'done' (an update ended). */
  phase: string;
  update: number;
  updates: number;
  microBatch?: number;
  microBatches?: number;
  metrics?: UpdateMetrics;
}

/** Splits `count` items into `parts` contiguous runs of nearly equal length (the first ones one longer). */
export function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const k = Math.max(1, Math.min(parts, items.length));
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const size = Math.floor(items.length / k) + (i < items.length % k ? 1 : 0);
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

/**
 * The units a step's mini-batches are made of: whole task groups when every sample names its group (verl splits a step
 * by prompts, each prompt's rollouts together, which also lets the trainer share their common prompt prefix), else
 * single samples.
 */
function units<T extends { group?: number }>(samples: readonly T[]): T[][] {
  if (samples.length === 0 || samples.some((s) => s.group === undefined)) return samples.map((s) => [s]);
  const byGroup = new Map<number, T[]>();
  for (const s of samples) byGroup.set(s.group!, [...(byGroup.get(s.group!) ?? []), s]);
  return [...byGroup.values()];
}

/**
 * One training step as verl's PPO actor runs it: the old policy's per-token log-probs are computed once, before the
 * first update, with the adapter that sampled the rollouts (and, with a KL term, the base model's, adapter off); then
 * for each epoch the task groups (or samples, see `units`) are shuffled and split into mini-batches, one optimizer
 * update each, every update measuring its ratio against those fixed old log-probs. With one mini-batch and one epoch
 * the ratio is exactly 1, so the trainer's single-pass form is used (no separate old-policy pass), which gives the
 * same update.
 */
export async function miniBatchStep(
  trainer: NativeTrainer,
  request: TrainStepRequest,
  onProgress?: (progress: UpdateProgress) => void,
): Promise<TrainStepResult> {
  const started = performance.now();
  const miniBatches = Math.max(1, request.miniBatches ?? 1);
  const epochs = Math.max(1, request.epochs ?? 1);
  const grpo = request.objective === 'grpo';
  const base: Array<TrainingSample & { group?: number }> = request.samples.map(({ promptTokens, responseTokens, advantage, weight, group }) => ({
    promptTokens,
    responseTokens,
    ...(grpo ? { advantage } : {}),
    ...(weight === undefined ? {} : { weight }),
    ...(group === undefined ? {} : { group }),
  }));
  const single = miniBatches === 1 && epochs === 1;
  const updates = epochs * Math.min(miniBatches, units(request.samples).length);
  let samples = base;
  let extraTokens = 0;
  if (grpo && !single) {
    onProgress?.({ phase: 'old', update: 0, updates });
    const old = await trainer.logprobs(base, { adapter: true });
    let ref: Float32Array[] | undefined;
    if (request.klBeta > 0) {
      onProgress?.({ phase: 'reference', update: 0, updates });
      ref = await trainer.logprobs(base, { adapter: false });
    }
    samples = base.map((sample, i) => ({ ...sample, oldLogprobs: old[i]!, ...(ref ? { refLogprobs: ref[i]! } : {}) }));
    extraTokens = (await trainer.packedTokens(base)) * (ref ? 2 : 1);
  }
  const results: UpdateMetrics[] = [];
  let tokens = extraTokens;
  let skipped: string | undefined;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = single ? [samples] : seededShuffle(units(samples), (request.seed ?? 0) * 7919 + epoch);
    for (const batch of splitEvenly(order, miniBatches).map((run) => run.flat())) {
      const update = results.length;
      const metrics = await trainer.step(
        {
          samples: batch,
          objective: request.objective,
          learningRate: request.learningRate,
          clipLow: request.clipLow,
          clipHigh: request.clipHigh,
          klBeta: grpo ? request.klBeta : 0,
          ...(grpo && (request.dualClip ?? 0) > 0 ? { dualClip: request.dualClip } : {}),
          ...(grpo && !single ? { oldLogprobs: 'given' as const } : {}),
          ...(request.weightDecay === undefined ? {} : { weightDecay: request.weightDecay }),
          ...(request.maxGradNorm === undefined ? {} : { maxGradNorm: request.maxGradNorm }),
        },
        onProgress === undefined
          ? {}
          : { onProgress: (p) => onProgress({ phase: p.phase, update, updates, microBatch: p.microBatch, microBatches: p.microBatches }) },
      );
      tokens += metrics.packedTokens;
      const result: UpdateMetrics = {
        loss: metrics.loss,
        kl: metrics.kl,
        clipFraction: metrics.clipFraction,
        samples: batch.length,
        ...(metrics.skipped ? { skipped: metrics.skipReason ?? 'non-finite loss or gradient' } : {}),
      };
      if (result.skipped !== undefined) skipped ??= result.skipped;
      results.push(result);
      onProgress?.({ phase: 'done', update, updates, metrics: result });
    }
  }
  const mean = (pick: (u: UpdateMetrics) => number) => results.reduce((sum, u) => sum + pick(u), 0) / results.length;
  return {
    loss: mean((u) => u.loss),
    kl: mean((u) => u.kl),
    clipFraction: mean((u) => u.clipFraction),
    tokens,
    durationMs: performance.now() - started,
    updates: results,
    ...(skipped === undefined ? {} : { skipped }),
  };
}
