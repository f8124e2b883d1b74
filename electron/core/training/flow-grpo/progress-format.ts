import type { StepMetrics } from '../training-store.ts';

/** A one-line progress bar for the terminal: `[#####-----] step 3/10 rollout 12/32`. */
export function renderProgress(step: number, total: number, phase: string, width = 24): string {
  const done = total > 0 ? Math.min(1, Math.max(0, (step - 1) / total)) : 0;
  const filled = Math.round(done * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] step ${step}/${total} ${phase}`.padEnd(70);
}

const f = (value: number | null | undefined, digits = 3) => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—');

/** The live metrics of a finished step, one line. Step 0 is the base model's held-out accuracy. */
export function stepLine(step: number, m: StepMetrics): string {
  if (step === 0) return `step    0  base model held-out ${f(m.heldoutAccuracy == null ? null : m.heldoutAccuracy * 100, 1)}%`;
  const seconds = (m.timings?.totalMs ?? 0) / 1000;
  return [
    `step ${String(step).padStart(4)}`,
    `reward ${f(m.rewardMean)}±${f(m.rewardStd)}`,
    `held-out ${m.heldoutAccuracy == null ? '  —  ' : `${f(m.heldoutAccuracy * 100, 1)}%`}`,
    `loss ${f(m.loss, 4)}`,
    `kl ${f(m.kl, 5)}`,
    `clip ${clipText(m)}`,
    `${f(m.tokensPerSecond, 0)} tok/s`,
    `zero-groups ${m.zeroGroups ?? 0}/${m.groups ?? 0}`,
    ...(typeof m.extraTasks === 'number' && m.extraTasks > 0 ? [`extra-tasks ${m.extraTasks}`] : []),
    ...(typeof m.exploredGroups === 'number' && m.exploredGroups > 0 ? [`explored ${m.exploredGroups}`] : []),
    ...(typeof m.truncatedSamples === 'number' && m.truncatedSamples > 0 ? [`truncated ${m.truncatedSamples}`] : []),
    ...(typeof m.droppedSamples === 'number' && m.droppedSamples > 0 ? [`dropped ${m.droppedSamples} too long`] : []),
    ...(typeof m.failedRollouts === 'number' && m.failedRollouts > 0 ? [`failed rollouts ${m.failedRollouts}`] : []),
    ...(typeof m.demonstrationsReproduced === 'number' && typeof m.demonstratedRuns === 'number'
      ? [`reproduced ${Math.round(m.demonstrationsReproduced * m.demonstratedRuns)}/${m.demonstratedRuns} demonstrations`]
      : []),
    `${seconds.toFixed(1)} s`,
  ].join('  ');
}

/** Clip fraction per optimizer update of the step ("0.000/0.052/0.110/0.143"), or the step's one value. */
function clipText(m: StepMetrics): string {
  const updates = Array.isArray(m.updates) ? (m.updates as Array<{ clipFraction?: number }>) : [];
  return updates.length > 1 ? updates.map((u) => f(u.clipFraction, 3)).join('/') : f(m.clipFraction, 3);
}

/** The progress bar's text while the trainer works: which update of the step, and the last update's clip fraction. */
export function updateProgressText(phase: string, detail: Record<string, unknown>): string {
  const update = Number(detail.update ?? 0) + 1;
  const updates = Number(detail.updates ?? 1);
  if (phase === 'old' || phase === 'reference') return `update: ${phase === 'old' ? 'old-policy' : 'reference'} log-probs`;
  const metrics = detail.metrics as { clipFraction?: number } | undefined;
  if (phase === 'done' && metrics) return `update ${update}/${updates} done, clip ${f(metrics.clipFraction, 3)}`;
  const micro = detail.microBatch === undefined ? '' : ` micro-batch ${Number(detail.microBatch) + 1}/${String(detail.microBatches)}`;
  return `update ${update}/${updates}${micro}`;
}
