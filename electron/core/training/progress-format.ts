import type { StepMetrics } from './training-store.ts';

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
    `clip ${f(m.clipFraction, 3)}`,
    `${f(m.tokensPerSecond, 0)} tok/s`,
    `zero-groups ${m.zeroGroups ?? 0}/${m.groups ?? 0}`,
    `${seconds.toFixed(1)} s`,
  ].join('  ');
}
