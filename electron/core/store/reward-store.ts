import type { Database } from './database.ts';

/**
 * Rewards and feedback: the `rewards` table (a rollout's score, a user's thumbs as 1 or 0) and the `feedback`
 * table (the rating and comment themselves). Rating a run again replaces its earlier feedback and feedback reward.
 */
export class RewardStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Adds a reward to a run. */
  add(runId: string, reward: { value: number; source: string; details: Record<string, unknown> }): void {
    this.db
      .prepare('INSERT INTO rewards (run_id, value, source, details, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(runId, reward.value, reward.source, JSON.stringify(reward.details), Date.now());
  }

  /** A run's rewards, oldest first. */
  ofRun(runId: string): Array<{ value: number; source: string; createdAt: number }> {
    return (
      this.db.prepare('SELECT value, source, created_at FROM rewards WHERE run_id = ? ORDER BY created_at, id').all(runId) as Array<{
        value: number;
        source: string;
        created_at: number;
      }>
    ).map((row) => ({ value: row.value, source: row.source, createdAt: row.created_at }));
  }

  /**
   * Replaces a run's feedback and its feedback reward, in one transaction; `alsoInside` runs in the same transaction
   * (the task's corrected answer).
   */
  recordFeedback(
    input: { runId: string; rating: 1 | -1; comment: string | null; reward: number; details: Record<string, unknown> },
    alsoInside?: () => void,
  ): void {
    const now = Date.now();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM feedback WHERE run_id = ?').run(input.runId);
      this.db.prepare("DELETE FROM rewards WHERE run_id = ? AND source = 'feedback'").run(input.runId);
      this.db
        .prepare('INSERT INTO feedback (run_id, rating, comment, created_at) VALUES (?, ?, ?, ?)')
        .run(input.runId, input.rating, input.comment, now);
      this.db
        .prepare("INSERT INTO rewards (run_id, value, source, details, created_at) VALUES (?, ?, 'feedback', ?, ?)")
        .run(input.runId, input.reward, JSON.stringify(input.details), now);
      alsoInside?.();
    })();
  }
}
