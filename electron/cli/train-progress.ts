import type { TrainingEvent } from '../core/training/flow-grpo/training-loop.ts';
import { renderProgress, stepLine } from '../core/training/flow-grpo/progress-format.ts';
import type { CliContext } from './command.ts';

/** A fraction as a percentage with one decimal, or a dash. */
export const pct = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '—');

/** `inflow train`'s progress: a line per run start, step, promotion and warning; the phase on stderr. */
export function progressPrinter(context: CliContext): ((event: TrainingEvent) => void) & { step(): number; total(): number } {
  let phase = 'starting';
  let step = 0;
  let total = 0;
  const print = (event: TrainingEvent) => {
    if (context.json) return;
    switch (event.type) {
      case 'started':
        total = event.run.config.steps;
        if (event.resumedFromStep > 0)
          context.print(
            `Resuming run ${event.run.id} after step ${event.resumedFromStep} (context ${event.run.config.contextSize}, ${event.run.config.maxAgentSteps} agent steps, ${event.run.config.threads || 'default'} threads).`,
          );
        else
          context.print(
            `Training run ${event.run.id}: ${total} steps, group ${event.run.config.groupSize}, ${event.run.config.tasksPerStep} tasks per step.`,
          );
        break;
      case 'phase':
        phase = event.phase;
        step = event.step;
        context.stderr.write(`\r${renderProgress(step, total, phase)}`);
        break;
      case 'rollout':
        context.stderr.write(`\r${renderProgress(event.step, total, `rollout ${event.done}/${event.total}`)}`);
        break;
      case 'step':
        context.stderr.write('\r\x1b[K');
        context.print(stepLine(event.step, event.metrics));
        break;
      case 'promoted':
        context.print(`  promoted adapter v${event.adapter.version} (${pct(event.adapter.metrics.heldoutAccuracy)} held-out)`);
        break;
      case 'warning':
        context.stderr.write('\r\x1b[K');
        context.print(`  warning: ${event.warning.message}\n  fix: ${event.warning.hint}`);
        break;
      case 'stopped':
        break;
    }
  };
  return Object.assign(print, { step: () => step, total: () => total });
}
