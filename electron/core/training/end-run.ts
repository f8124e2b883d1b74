import { applyRetention, type RetentionPlan, type RetentionStores } from '../adapters/retention.ts';
import { InflowError } from '../errors.ts';
import type { TrainingRunRecord } from './training-store.ts';

/**
 * Ends a training run the user will not resume (the app's "End run", `inflow train end ID`): a paused or failed run
 * becomes finished (status 'cancelled'), so it leaves `train --resume` and the retention rule frees what it held for a
 * resume (its last trainer state, and its resume adapter unless another rule keeps it), which is applied at once.
 * Its adapters, metrics and rollouts stay, as a completed run's do; `--from-adapter ID` starts a new run from one.
 * `alsoRunning`: the caller knows the run is not running anywhere (the app, for a run it does not hold that a kill
 * left marked running); otherwise a run marked running is refused, as it may be training in another process.
 */
export function endTrainingRun(
  stores: RetentionStores,
  trainingRunId: string,
  options: { alsoRunning?: boolean } = {},
): { run: TrainingRunRecord; freed: RetentionPlan } {
  const run = stores.training.getRun(trainingRunId);
  if (run.status === 'completed' || run.status === 'cancelled')
    throw new InflowError('TRAINING_DONE', `Training run ${run.id} has already ${run.status === 'completed' ? 'completed' : 'ended'}.`, {
      hint: 'Nothing to end; inflow adapters gc frees what finished runs no longer need.',
    });
  if (run.status === 'running' && options.alsoRunning !== true)
    throw new InflowError('TRAINING_BUSY', `Training run ${run.id} is marked running: it may be training in the app or another terminal.`, {
      hint: 'Stop it there first. If it was killed, `inflow train --resume ID`, stop it with Ctrl-C, then end it.',
    });
  stores.training.setStatus(run.id, 'cancelled', run.error);
  return { run: stores.training.getRun(run.id), freed: applyRetention(stores) };
}
