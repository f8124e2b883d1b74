import type { Database } from '../store/database.ts';
import { newId } from '../store/ids.ts';

export type EvaluationStatus = 'running' | 'completed' | 'interrupted' | 'cancelled' | 'failed';

export interface EvaluationRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
  status: EvaluationStatus;
  benchmark: string;
  benchmarkFile: string;
  benchmarkHash: string;
  itemCount: number;
  plannedCount: number;
  plannerModel: string | null;
  adapterId: string | null;
  judgeModel: string | null;
  config: Record<string, unknown>;
  error: string | null;
}

export interface EvaluationStart {
  benchmark: string;
  benchmarkFile: string;
  benchmarkHash: string;
  itemCount: number;
  plannedCount: number;
  plannerModel?: string | null;
  adapterId?: string | null;
  judgeModel?: string | null;
  config?: Record<string, unknown>;
}

/** One scored item. */
export interface EvalItemRecord {
  evaluationId: string;
  position: number;
  runId: string | null;
  createdAt: number;
  category: string | null;
  answerKind: string;
  expected: string[];
  answer: string | null;
  extracted: string | null;
  correct: boolean;
  score: number;
  method: string;
  reason: string;
  stopReason: string | null;
  steps: number;
  tokens: number;
  durationMs: number;
  toolCalls: Record<string, number>;
  /** The question as asked (from the run's task; null once the run is deleted). */
  question: string | null;
}

export type EvalItemInput = Omit<EvalItemRecord, 'createdAt' | 'question'>;

/** JSON with object keys sorted, so equal settings compare equal whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

const toEvaluation = (row: Record<string, unknown>): EvaluationRecord => ({
  id: row.id as string,
  createdAt: row.created_at as number,
  updatedAt: row.updated_at as number,
  endedAt: row.ended_at as number | null,
  status: row.status as EvaluationStatus,
  benchmark: row.benchmark as string,
  benchmarkFile: row.benchmark_file as string,
  benchmarkHash: row.benchmark_hash as string,
  itemCount: row.item_count as number,
  plannedCount: row.planned_count as number,
  plannerModel: row.planner_model as string | null,
  adapterId: row.adapter_id as string | null,
  judgeModel: row.judge_model as string | null,
  config: JSON.parse(row.config as string) as Record<string, unknown>,
  error: row.error as string | null,
});

const toItem = (row: Record<string, unknown>): EvalItemRecord => ({
  evaluationId: row.evaluation_id as string,
  position: row.position as number,
  runId: row.run_id as string | null,
  createdAt: row.created_at as number,
  category: row.category as string | null,
  answerKind: row.answer_kind as string,
  expected: JSON.parse(row.expected as string) as string[],
  answer: row.answer as string | null,
  extracted: row.extracted as string | null,
  correct: row.correct === 1,
  score: row.score as number,
  method: row.method as string,
  reason: row.reason as string,
  stopReason: row.stop_reason as string | null,
  steps: row.steps as number,
  tokens: row.tokens as number,
  durationMs: row.duration_ms as number,
  toolCalls: JSON.parse(row.tool_calls as string) as Record<string, number>,
  question: (row.question as string | null | undefined) ?? null,
});

/**
 * Evaluations and their scored items (migration 0040). Each item is one autocommitted insert keyed by
 * (evaluation, position), so a crash loses at most the items in flight and an item can never be stored twice.
 */
export class EvalStore {
  readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(input: EvaluationStart): EvaluationRecord {
    const id = newId('eval');
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO evaluations (id, created_at, updated_at, benchmark, benchmark_file, benchmark_hash, item_count,
      planned_count, planner_model, adapter_id, judge_model, config) VALUES (@id, @now, @now, @benchmark, @benchmarkFile, @benchmarkHash,
      @itemCount, @plannedCount, @plannerModel, @adapterId, @judgeModel, @config)`,
      )
      .run({
        id,
        now,
        benchmark: input.benchmark,
        benchmarkFile: input.benchmarkFile,
        benchmarkHash: input.benchmarkHash,
        itemCount: input.itemCount,
        plannedCount: input.plannedCount,
        plannerModel: input.plannerModel ?? null,
        adapterId: input.adapterId ?? null,
        judgeModel: input.judgeModel ?? null,
        config: JSON.stringify(input.config ?? {}),
      });
    return this.get(id)!;
  }

  get(id: string): EvaluationRecord | undefined {
    const row = this.db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : toEvaluation(row);
  }

  list(options: { limit?: number } = {}): EvaluationRecord[] {
    return (
      this.db.prepare('SELECT * FROM evaluations ORDER BY created_at DESC, rowid DESC LIMIT ?').all(options.limit ?? 50) as Record<string, unknown>[]
    ).map(toEvaluation);
  }

  /**
   * The newest unfinished evaluation of the same benchmark file, planner, adapter and settings (`config`):
   * what `inflow eval` resumes. Different settings start a new evaluation rather than mix results.
   */
  findResumable(key: {
    benchmarkHash: string;
    plannerModel: string | null;
    adapterId: string | null;
    config?: Record<string, unknown>;
  }): EvaluationRecord | undefined {
    const rows = this.db
      .prepare(
        `SELECT * FROM evaluations WHERE status != 'completed' AND benchmark_hash = @benchmarkHash
      AND planner_model IS @plannerModel AND adapter_id IS @adapterId ORDER BY created_at DESC, rowid DESC`,
      )
      .all({ benchmarkHash: key.benchmarkHash, plannerModel: key.plannerModel, adapterId: key.adapterId }) as Record<string, unknown>[];
    const wanted = stableJson(key.config ?? {});
    const row = rows.find((candidate) => stableJson(JSON.parse(candidate.config as string)) === wanted);
    return row === undefined ? undefined : toEvaluation(row);
  }

  update(id: string, change: { status?: EvaluationStatus; plannedCount?: number; error?: string | null }): void {
    const now = Date.now();
    const ended = change.status !== undefined && change.status !== 'running';
    this.db
      .prepare(
        `UPDATE evaluations SET updated_at = @now, status = COALESCE(@status, status),
      planned_count = COALESCE(@plannedCount, planned_count), error = CASE WHEN @setError THEN @error ELSE error END,
      ended_at = CASE WHEN @ended THEN @now WHEN @status = 'running' THEN NULL ELSE ended_at END WHERE id = @id`,
      )
      .run({
        id,
        now,
        status: change.status ?? null,
        plannedCount: change.plannedCount ?? null,
        setError: change.error === undefined ? 0 : 1,
        error: change.error ?? null,
        ended: ended ? 1 : 0,
      });
  }

  recordItem(item: EvalItemInput): void {
    this.db
      .prepare(
        `INSERT INTO eval_items (evaluation_id, position, run_id, created_at, category, answer_kind, expected, answer, extracted,
      correct, score, method, reason, stop_reason, steps, tokens, duration_ms, tool_calls) VALUES (@evaluationId, @position, @runId, @createdAt,
      @category, @answerKind, @expected, @answer, @extracted, @correct, @score, @method, @reason, @stopReason, @steps, @tokens, @durationMs,
      @toolCalls)`,
      )
      .run({
        ...item,
        createdAt: Date.now(),
        expected: JSON.stringify(item.expected),
        correct: item.correct ? 1 : 0,
        toolCalls: JSON.stringify(item.toolCalls),
      });
    this.db.prepare('UPDATE evaluations SET updated_at = ? WHERE id = ?').run(Date.now(), item.evaluationId);
  }

  items(evaluationId: string): EvalItemRecord[] {
    return (
      this.db
        .prepare(
          `SELECT e.*, t.question AS question FROM eval_items e LEFT JOIN runs r ON r.id = e.run_id
      LEFT JOIN tasks t ON t.id = r.task_id WHERE e.evaluation_id = ? ORDER BY e.position`,
        )
        .all(evaluationId) as Record<string, unknown>[]
    ).map(toItem);
  }

  /** Evaluations, newest first, with how many items each has scored and how many of those are correct. */
  listWithCounts(options: { limit?: number } = {}): Array<EvaluationRecord & { scored: number; correct: number; accuracy: number | null }> {
    const counts = this.db.prepare('SELECT COUNT(*) AS scored, COALESCE(SUM(correct), 0) AS correct FROM eval_items WHERE evaluation_id = ?');
    return this.list(options).map((evaluation) => {
      const { scored, correct } = counts.get(evaluation.id) as { scored: number; correct: number };
      return { ...evaluation, scored, correct, accuracy: scored === 0 ? null : correct / scored };
    });
  }

  scoredPositions(evaluationId: string): Set<number> {
    const rows = this.db.prepare('SELECT position FROM eval_items WHERE evaluation_id = ?').all(evaluationId) as Array<{ position: number }>;
    return new Set(rows.map((row) => row.position));
  }
}
