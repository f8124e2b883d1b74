import type { Database } from './database.ts';

const summarySql = `SELECT r.*, t.question,
    (SELECT COUNT(*) FROM steps s WHERE s.run_id = r.id) AS step_count,
    (SELECT value FROM rewards w WHERE w.run_id = r.id ORDER BY w.created_at DESC, w.id DESC LIMIT 1) AS reward,
    (SELECT rating FROM feedback f WHERE f.run_id = r.id ORDER BY f.created_at DESC, f.id DESC LIMIT 1) AS rating
  FROM runs r JOIN tasks t ON t.id = r.task_id`;

export interface RunSummaryFilter {
  search?: string;
  kind?: 'ask' | 'rollout' | 'eval';
  stopReason?: string;
  limit?: number;
  offset?: number;
}

/**
 * Read-only questions over the run history (runs, their tasks, steps, planner calls, rewards and feedback) that
 * the Runs screen, the first-run counts, the training-data harvest, supervised training and the AgentFlow export
 * ask. The tables are written by RunStore (runs, tasks, steps, module_calls) and RewardStore (rewards, feedback).
 */
export class RunHistory {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Run summaries (question, step count, latest reward and rating), newest first, as database rows. */
  summaries(options: RunSummaryFilter = {}): Record<string, unknown>[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: options.limit ?? 100, offset: options.offset ?? 0 };
    if (options.kind !== undefined) {
      where.push('r.kind = @kind');
      params.kind = options.kind;
    }
    if (options.stopReason !== undefined) {
      where.push('r.stop_reason = @stopReason');
      params.stopReason = options.stopReason;
    }
    if (options.search !== undefined && options.search.trim() !== '') {
      where.push("(t.question LIKE @search ESCAPE '\\' OR r.answer LIKE @search ESCAPE '\\')");
      params.search = `%${options.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const sql = `${summarySql} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.created_at DESC, r.rowid DESC LIMIT @limit OFFSET @offset`;
    return this.db.prepare(sql).all(params) as Record<string, unknown>[];
  }

  /** One run's summary row, or undefined. */
  summary(runId: string): Record<string, unknown> | undefined {
    return this.db.prepare(`${summarySql} WHERE r.id = ?`).get(runId) as Record<string, unknown> | undefined;
  }

  /** How many questions the user asked (runs of kind `ask`). */
  countAsks(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM runs WHERE kind = 'ask'").get() as { n: number }).n;
  }

  /** The user's own tasks (not training or evaluation ones), oldest first; expected answers as stored JSON. */
  userTasks(): Array<{ id: string; question: string; expected_answer: string | null; answer_kind: string | null }> {
    return this.db
      .prepare(`SELECT id, question, expected_answer, answer_kind FROM tasks WHERE source = 'user' ORDER BY created_at, rowid`)
      .all() as Array<{ id: string; question: string; expected_answer: string | null; answer_kind: string | null }>;
  }

  /** The answer of the task's most recently thumbed-up run that has one. */
  latestApprovedAnswer(taskId: string): string | undefined {
    const row = this.db
      .prepare(
        `SELECT r.answer FROM feedback f JOIN runs r ON r.id = f.run_id
      WHERE r.task_id = ? AND f.rating = 1 AND r.answer IS NOT NULL AND r.answer <> '' ORDER BY f.created_at DESC, f.id DESC LIMIT 1`,
      )
      .get(taskId) as { answer: string } | undefined;
    return row?.answer;
  }

  /**
   * Planner turns (token blobs) of the user's runs whose latest rating is a thumbs-up, with model `modelId`;
   * rollouts and evaluation runs left out. Oldest run first.
   */
  approvedPlannerTurns(modelId: string): Array<{ prompt_tokens: Uint8Array; response_tokens: Uint8Array }> {
    return this.db
      .prepare(
        `SELECT mc.prompt_tokens, mc.response_tokens FROM module_calls mc JOIN runs r ON r.id = mc.run_id
    WHERE mc.module = 'planner' AND mc.model_id = ? AND mc.prompt_tokens IS NOT NULL AND mc.response_tokens IS NOT NULL
      AND r.kind NOT IN ('rollout', 'eval')
      AND (SELECT f.rating FROM feedback f WHERE f.run_id = r.id ORDER BY f.created_at DESC, f.id DESC LIMIT 1) = 1
    ORDER BY r.created_at, mc.id`,
      )
      .all(modelId) as Array<{ prompt_tokens: Uint8Array; response_tokens: Uint8Array }>;
  }

  /** The runs whose planner turns `approvedPlannerTurns` returns (same model, same rating rule), oldest first. */
  approvedRuns(modelId: string): Array<{ runId: string; question: string }> {
    return this.db
      .prepare(
        `SELECT r.id AS runId, t.question AS question FROM runs r JOIN tasks t ON t.id = r.task_id
    WHERE r.kind NOT IN ('rollout', 'eval')
      AND EXISTS (SELECT 1 FROM module_calls mc WHERE mc.run_id = r.id AND mc.module = 'planner' AND mc.model_id = ?
        AND mc.prompt_tokens IS NOT NULL AND mc.response_tokens IS NOT NULL)
      AND (SELECT f.rating FROM feedback f WHERE f.run_id = r.id ORDER BY f.created_at DESC, f.id DESC LIMIT 1) = 1
    ORDER BY r.created_at, r.rowid`,
      )
      .all(modelId) as Array<{ runId: string; question: string }>;
  }

  /** The tools the runs of a task used. */
  toolsUsedByTask(taskId: string): string[] {
    return (
      this.db
        .prepare('SELECT DISTINCT s.tool_name AS tool FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.task_id = ? AND s.tool_name IS NOT NULL')
        .all(taskId) as Array<{ tool: string }>
    ).map((row) => row.tool);
  }
}
