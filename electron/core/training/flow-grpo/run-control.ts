import os from 'node:os';
import type { TrainingConfig } from './training-config.ts';
import type { TrainingEvent, TrainOptions } from './training-loop.ts';

/** Early stop: true when the step reward mean has not beaten the best before the last `plateauPatience` steps by `plateauDelta`. */
export function plateaued(history: readonly number[], config: TrainingConfig): boolean {
  if (config.plateauPatience <= 0 || history.length <= config.plateauPatience) return false;
  const bestBefore = Math.max(...history.slice(0, history.length - config.plateauPatience));
  const recent = Math.max(...history.slice(-config.plateauPatience));
  return recent < bestBefore + config.plateauDelta;
}

/** Train-only-when-idle: waits (polling) while the machine is busy; throws when the run is stopped meanwhile. */
export async function waitForIdle(options: TrainOptions, config: TrainingConfig, step: number, emit: (e: TrainingEvent) => void): Promise<void> {
  const isIdle = options.isIdle ?? (() => os.loadavg()[0]! / Math.max(1, os.cpus().length) < config.idleLoad);
  let announced = false;
  while (!isIdle()) {
    options.signal?.throwIfAborted();
    if (!announced) {
      emit({ type: 'phase', step, phase: 'idle-wait' });
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, options.idlePollMs ?? 5000));
  }
}
