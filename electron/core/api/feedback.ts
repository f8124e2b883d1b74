import type { Database } from '../store/database.ts';
import { InflowError } from '../errors.ts';
import type { FeedbackResult } from '../contract/ask.ts';

/**
 * Records a thumbs up or down on a run: a `feedback` row (which the training-data harvest reads) and a
 * reward of 1 or 0 with source `feedback` (what Runs shows and Flow-GRPO can use). Rating again replaces
 * the earlier feedback reward instead of piling up. A corrected answer becomes the task's expected answer
 * (answer kind `judge`), so the harvest turns the task into a training item with that reference.
 * The app's thumbs and the local API's `POST /v1/runs/{id}/feedback` both come here.
 */
export function recordFeedback(db: Database, input: { runId: string; rating: 1 | -1; comment?: string; correctedAnswer?: string }): FeedbackResult {
  const run = db.prepare('SELECT r.id, r.status, r.task_id, t.source FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id = ?').get(input.runId) as { id: string; status: string; task_id: string; source: string } | undefined;
  if (run === undefined) throw new InflowError('RUN_NOT_FOUND', `No run "${input.runId}".`, { hint: 'Rate a run from the Ask or Runs screen.' });
  if (run.status === 'running') throw new InflowError('RUN_STILL_RUNNING', 'This run has not finished yet.', { hint: 'Wait for the answer (or cancel the run), then rate it.' });
  if (input.correctedAnswer !== undefined && run.source !== 'user') {
    throw new InflowError('CORRECTION_NOT_ALLOWED', `Run "${input.runId}" belongs to a ${run.source} task, whose answer comes from its dataset.`, { hint: 'Correct answers of your own questions only; fix a dataset in its file.' });
  }
  const reward = input.rating === 1 ? 1 : 0;
  const now = Date.now();
  db.transaction(() => {
    db.prepare('DELETE FROM feedback WHERE run_id = ?').run(input.runId);
    db.prepare("DELETE FROM rewards WHERE run_id = ? AND source = 'feedback'").run(input.runId);
    db.prepare('INSERT INTO feedback (run_id, rating, comment, created_at) VALUES (?, ?, ?, ?)').run(input.runId, input.rating, input.comment ?? null, now);
    db.prepare("INSERT INTO rewards (run_id, value, source, details, created_at) VALUES (?, ?, 'feedback', ?, ?)")
      .run(input.runId, reward, JSON.stringify({ rating: input.rating, ...(input.correctedAnswer === undefined ? {} : { corrected: true }) }), now);
    if (input.correctedAnswer !== undefined) {
      db.prepare("UPDATE tasks SET expected_answer = ?, answer_kind = 'judge' WHERE id = ?").run(JSON.stringify(input.correctedAnswer), run.task_id);
    }
  })();
  return { runId: input.runId, rating: input.rating, reward };
}
