import type { Backend } from '../backend.ts';
import type { RunStore } from '../store/run-store.ts';
import type { RunHistory } from '../store/run-history.ts';
import type { RewardStore } from '../store/reward-store.ts';
import { InflowError } from '../errors.ts';
import type { RunDetail, RunSummary } from '../contract/runs.ts';
import type { StopReason } from '../contract/common.ts';

/** Run history for the Runs screen: summaries with search and filters, and one run's full trajectory. */
export class RunsService {
  private readonly history: RunHistory;
  private readonly rewards: RewardStore;
  private readonly runs: RunStore;

  /** Over the back end's stores (backend.ts builds them once). */
  constructor(stores: Pick<Backend, 'history' | 'rewards' | 'runs'>) {
    this.history = stores.history;
    this.rewards = stores.rewards;
    this.runs = stores.runs;
  }

  list(options: { search?: string; kind?: 'ask' | 'rollout' | 'eval'; stopReason?: StopReason; limit?: number; offset?: number } = {}): RunSummary[] {
    return this.history.summaries(options).map(toSummary);
  }

  summary(runId: string): RunSummary {
    const row = this.history.summary(runId);
    if (row === undefined)
      throw new InflowError('RUN_NOT_FOUND', `No run "${runId}".`, { hint: 'It may have been deleted; pick one from the Runs list.' });
    return toSummary(row);
  }

  get(runId: string): RunDetail {
    const run = this.summary(runId);
    const record = this.runs.getRun(runId)!;
    const rewards = this.rewards.ofRun(runId);
    return {
      run,
      error: record.error,
      totalTokens: record.totalTokens,
      config: record.config,
      steps: this.runs.getSteps(runId).map((step) => ({
        idx: step.idx,
        toolName: step.toolName,
        subGoal: step.subGoal,
        context: step.context,
        command: step.command,
        result: step.result,
        verification: step.verification,
        createdAt: step.createdAt,
      })),
      calls: this.runs.getModuleCalls(runId).map((call) => ({
        id: call.id,
        stepIdx: call.stepIdx,
        module: call.module,
        modelId: call.modelId,
        adapterId: call.adapterId,
        promptText: call.promptText,
        responseText: call.responseText,
        promptTokenCount: call.promptTokens?.length ?? 0,
        responseTokenCount: call.responseTokens?.length ?? 0,
        meanLogprob:
          call.responseLogprobs !== null && call.responseLogprobs.length > 0
            ? call.responseLogprobs.reduce((sum, value) => sum + value, 0) / call.responseLogprobs.length
            : null,
        durationMs: call.durationMs,
        startedAt: call.startedAt,
      })),
      rewards,
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
