import type { RunStore } from '../store/run-store.ts';
import type { Database } from '../store/database.ts';
import { InflowError } from '../errors.ts';
import type { RunDetail, RunSummary } from '../contract/runs.ts';
import type { StopReason } from '../contract/common.ts';

const summarySql = `SELECT r.*, t.question,
    (SELECT COUNT(*) FROM steps s WHERE s.run_id = r.id) AS step_count,
    (SELECT value FROM rewards w WHERE w.run_id = r.id ORDER BY w.created_at DESC, w.id DESC LIMIT 1) AS reward,
    (SELECT rating FROM feedback f WHERE f.run_id = r.id ORDER BY f.created_at DESC, f.id DESC LIMIT 1) AS rating
  FROM runs r JOIN tasks t ON t.id = r.task_id`;

/** Run history for the Runs screen: summaries with search and filters, and one run's full trajectory. */
export class RunsService {
  private readonly db: Database;
  private readonly runs: RunStore;

  constructor(db: Database, runs: RunStore) {
    this.db = db;
    this.runs = runs;
  }

  list(options: { search?: string; kind?: 'ask' | 'rollout' | 'eval'; stopReason?: StopReason; limit?: number; offset?: number } = {}): RunSummary[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: options.limit ?? 100, offset: options.offset ?? 0 };
    if (options.kind !== undefined) { where.push('r.kind = @kind'); params.kind = options.kind; }
    if (options.stopReason !== undefined) { where.push('r.stop_reason = @stopReason'); params.stopReason = options.stopReason; }
    if (options.search !== undefined && options.search.trim() !== '') {
      where.push("(t.question LIKE @search ESCAPE '\\' OR r.answer LIKE @search ESCAPE '\\')");
      params.search = `%${options.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const sql = `${summarySql} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY r.created_at DESC, r.rowid DESC LIMIT @limit OFFSET @offset`;
    return (this.db.prepare(sql).all(params) as Record<string, unknown>[]).map(toSummary);
  }

  summary(runId: string): RunSummary {
    const row = this.db.prepare(`${summarySql} WHERE r.id = ?`).get(runId) as Record<string, unknown> | undefined;
    if (row === undefined) throw new InflowError('RUN_NOT_FOUND', `No run "${runId}".`, { hint: 'It may have been deleted; pick one from the Runs list.' });
    return toSummary(row);
  }

  get(runId: string): RunDetail {
    const run = this.summary(runId);
    const record = this.runs.getRun(runId)!;
    const rewards = this.db.prepare('SELECT value, source, created_at FROM rewards WHERE run_id = ? ORDER BY created_at, id').all(runId) as Array<{ value: number; source: string; created_at: number }>;
    return {
      run,
      error: record.error,
      totalTokens: record.totalTokens,
      config: record.config,
      steps: this.runs.getSteps(runId).map((step) => ({
        idx: step.idx, toolName: step.toolName, subGoal: step.subGoal, context: step.context,
        command: step.command, result: step.result, verification: step.verification, createdAt: step.createdAt,
      })),
      calls: this.runs.getModuleCalls(runId).map((call) => ({
        id: call.id, stepIdx: call.stepIdx, module: call.module, modelId: call.modelId, adapterId: call.adapterId,
        promptText: call.promptText, responseText: call.responseText,
        promptTokenCount: call.promptTokens?.length ?? 0, responseTokenCount: call.responseTokens?.length ?? 0,
        meanLogprob: call.responseLogprobs !== null && call.responseLogprobs.length > 0
          ? call.responseLogprobs.reduce((sum, value) => sum + value, 0) / call.responseLogprobs.length : null,
        durationMs: call.durationMs, startedAt: call.startedAt,
      })),
      rewards: rewards.map((reward) => ({ value: reward.value, source: reward.source, createdAt: reward.created_at })),
    };
  }
}

function toSummary(row: Record<string, unknown>): RunSummary {
  return {
    id: row.id as string,
    taskId: row.task_id as string,
    question: row.question as string,
    kind: row.kind as RunSummary['kind'],
    status: row.status as RunSummary['status'],
    stopReason: row.stop_reason as StopReason | null,
    createdAt: row.created_at as number,
    endedAt: row.ended_at as number | null,
    answer: row.answer as string | null,
    plannerModel: row.planner_model as string | null,
    plannerAdapterId: row.planner_adapter_id as string | null,
    steps: row.step_count as number,
    reward: row.reward as number | null,
    rating: row.rating as 1 | -1 | null,
  };
}
