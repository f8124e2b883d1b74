import type { Database } from '../store/database.ts';
import { InflowError } from '../errors.ts';
import type { FeedbackResult } from '../contract/ask.ts';
import { RunStore } from '../store/run-store.ts';
import { RewardStore } from '../store/reward-store.ts';

/** The stores feedback writes: the back end's (the app and the local API pass them). */
export interface FeedbackStores {
  runs: RunStore;
  rewards: RewardStore;
}

/** A database instead of the stores: for callers that hold only a database (the learning suites, training tests). */
function isStores(target: FeedbackStores | Database): target is FeedbackStores {
  return (target as Partial<FeedbackStores>).runs instanceof RunStore && (target as Partial<FeedbackStores>).rewards instanceof RewardStore;
}

/**
 * Records a thumbs up or down on a run: a `feedback` row (which the training-data harvest reads) and a
 * reward of 1 or 0 with source `feedback` (what Runs shows and Flow-GRPO can use). Rating again replaces
 * the earlier feedback reward instead of piling up. A corrected answer becomes the task's expected answer
 * (answer kind `judge`), so the harvest turns the task into a training item with that reference.
 * The app's thumbs and the local API's `POST /v1/runs/{id}/feedback` both come here.
 */
export function recordFeedback(
  target: FeedbackStores | Database,
  input: { runId: string; rating: 1 | -1; comment?: string; correctedAnswer?: string },
): FeedbackResult {
  const { runs, rewards } = isStores(target) ? target : { runs: new RunStore(target), rewards: new RewardStore(target) };
  const run = runs.getRun(input.runId);
  const task = run === undefined ? undefined : runs.getTask(run.taskId);
  if (run === undefined || task === undefined)
    throw new InflowError('RUN_NOT_FOUND', `No run "${input.runId}".`, { hint: 'Rate a run from the Ask or Runs screen.' });
  if (run.status === 'running')
    throw new InflowError('RUN_STILL_RUNNING', 'This run has not finished yet.', { hint: 'Wait for the answer (or cancel the run), then rate it.' });
  if (input.correctedAnswer !== undefined && task.source !== 'user') {
    throw new InflowError('CORRECTION_NOT_ALLOWED', `Run "${input.runId}" belongs to a ${task.source} task, whose answer comes from its dataset.`, {
      hint: 'Correct answers of your own questions only; fix a dataset in its file.',
    });
  }
  const reward = input.rating === 1 ? 1 : 0;
  const corrected = input.correctedAnswer;
  rewards.recordFeedback(
    {
      runId: input.runId,
      rating: input.rating,
      comment: input.comment ?? null,
      reward,
      details: { rating: input.rating, ...(corrected === undefined ? {} : { corrected: true }) },
    },
    corrected === undefined ? undefined : () => runs.setExpectedAnswer(task.id, corrected, 'judge'),
  );
  return { runId: input.runId, rating: input.rating, reward };
}
