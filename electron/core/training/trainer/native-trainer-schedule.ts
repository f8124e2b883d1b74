/**
 * Learning-rate schedules for the native trainer. Pure functions of the optimizer step, so a resumed run (whose
 * step count is restored from the optimizer state) continues on the same curve.
 */
export interface LearningRateSchedule {
  /** Peak learning rate, reached at the end of warm-up. */
  peak: number;
  type?: 'constant' | 'linear' | 'cosine';
  /** Steps of linear warm-up from 0 to `peak` (default 0). */
  warmupSteps?: number;
  /** Step at which linear/cosine decay reaches `peak * minRatio` (required for those types). */
  totalSteps?: number;
  /** Floor of the decay as a fraction of `peak` (default 0). */
  minRatio?: number;
}

/** The learning rate of optimizer step `step` (1-based: the first update is step 1). */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const type = schedule.type ?? 'constant';
  const warmup = schedule.warmupSteps ?? 0;
  const floor = schedule.peak * (schedule.minRatio ?? 0);
  if (warmup > 0 && step <= warmup) return (schedule.peak * step) / warmup;
  if (type === 'constant') return schedule.peak;
  const total = schedule.totalSteps ?? 0;
  if (total <= warmup) return schedule.peak;
  const progress = Math.min(1, Math.max(0, (step - warmup) / (total - warmup)));
  const shape = type === 'linear' ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return floor + (schedule.peak - floor) * shape;
}

/** Problems with a schedule, as sentences (empty when valid). */
export function scheduleProblems(schedule: LearningRateSchedule): string[] {
  const problems: string[] = [];
  if (!(schedule.peak >= 0) || !Number.isFinite(schedule.peak)) problems.push('peak must be a finite number >= 0');
  if (schedule.type !== undefined && !['constant', 'linear', 'cosine'].includes(schedule.type)) problems.push(`unknown type '${schedule.type}'`);
  if ((schedule.type === 'linear' || schedule.type === 'cosine') && !(Number(schedule.totalSteps) > 0))
    problems.push(`${schedule.type} needs totalSteps > 0`);
  if (schedule.minRatio !== undefined && !(schedule.minRatio >= 0 && schedule.minRatio <= 1)) problems.push('minRatio must be in [0, 1]');
  return problems;
}
