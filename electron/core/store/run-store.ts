import type { Database } from './database.ts';
import { decodeFloats, decodeTokens, encodeFloats, encodeTokens } from './blobs.ts';
import { newId } from './ids.ts';
import { RunHistory } from './run-history.ts';
import { currentProcess, isProcessAlive } from './process-identity.ts';

/** Why a run ended. `interrupted`: the process died mid-run and the run was closed on the next start. */
export type StopReason = 'answered' | 'step_limit' | 'time_limit' | 'token_limit' | 'cancelled' | 'error' | 'interrupted';
export type RunKind = 'ask' | 'rollout' | 'eval';
export type ModuleName = 'analyzer' | 'planner' | 'executor' | 'verifier' | 'generator' | 'tool' | 'judge';

export interface TaskInput {
  question: string;
  expectedAnswer?: unknown;
  answerKind?: string;
  source?: string;
  meta?: Record<string, unknown>;
}

export interface TaskRecord {
  id: string;
  createdAt: number;
  question: string;
  expectedAnswer: unknown;
  answerKind: string | null;
  source: string;
  meta: Record<string, unknown>;
}

export interface RunStart {
  taskId: string;
  kind?: RunKind;
  groupId?: string;
  profile?: string;
  plannerModel?: string;
  plannerAdapterId?: string;
  config?: Record<string, unknown>;
}

export interface RunRecord {
  id: string;
  taskId: string;
  kind: RunKind;
  groupId: string | null;
  createdAt: number;
  endedAt: number | null;
  status: 'running' | 'ended';
  stopReason: StopReason | null;
  profile: string | null;
  plannerModel: string | null;
  plannerAdapterId: string | null;
  config: Record<string, unknown>;
  answer: string | null;
  error: string | null;
  totalTokens: number;
}

export interface StepInput {
  runId: string;
  idx: number;
  toolName?: string | null;
  subGoal?: string | null;
  context?: string | null;
  command?: unknown;
  result?: unknown;
  verification?: unknown;
}

export interface StepRecord {
  id: number;
  runId: string;
  idx: number;
  createdAt: number;
  toolName: string | null;
  subGoal: string | null;
  context: string | null;
  command: unknown;
  result: unknown;
  verification: unknown;
}

export interface ModuleCallInput {
  runId: string;
  stepIdx?: number | null;
  module: ModuleName;
  modelId?: string | null;
  adapterId?: string | null;
  promptText: string;
  responseText: string;
  promptTokens?: ArrayLike<number> | null;
  responseTokens?: ArrayLike<number> | null;
  responseLogprobs?: ArrayLike<number> | null;
  startedAt: number;
  durationMs: number;
  meta?: Record<string, unknown>;
}

export interface ModuleCallRecord {
  id: number;
  runId: string;
  stepIdx: number | null;
  module: ModuleName;
  modelId: string | null;
  adapterId: string | null;
  promptText: string;
  responseText: string;
  promptTokens: number[] | null;
  responseTokens: number[] | null;
  responseLogprobs: number[] | null;
  startedAt: number;
  durationMs: number;
  meta: Record<string, unknown>;
}

export interface ListRunsOptions {
  kind?: RunKind;
  search?: string;
  stopReason?: StopReason;
  limit?: number;
  offset?: number;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const parse = (text: string | null): unknown => (text == null ? null : JSON.parse(text));

/**
 * Tasks, runs, steps and module calls. Every write is its own autocommitted statement, so whatever was
 * recorded before a crash is on disk; each run records its owning process, and `closeInterruptedRuns` marks
 * the runs a dead process left open.
 */
export class RunStore {
  readonly db: Database;
  private readonly statements;

  constructor(db: Database) {
    this.db = db;
    this.statements = {
      insertTask: db.prepare(`INSERT INTO tasks (id, created_at, question, expected_answer, answer_kind, source, meta)
        VALUES (@id, @createdAt, @question, @expectedAnswer, @answerKind, @source, @meta)`),
      getTask: db.prepare('SELECT * FROM tasks WHERE id = ?'),
      insertRun:
        db.prepare(`INSERT INTO runs (id, task_id, kind, group_id, created_at, profile, planner_model, planner_adapter_id, config, owner_pid, owner_started_at)
        VALUES (@id, @taskId, @kind, @groupId, @createdAt, @profile, @plannerModel, @plannerAdapterId, @config, @ownerPid, @ownerStartedAt)`),
      endRun: db.prepare(`UPDATE runs SET status = 'ended', ended_at = @endedAt, stop_reason = @stopReason, answer = @answer,
        error = @error, total_tokens = @totalTokens WHERE id = @id`),
      getRun: db.prepare('SELECT * FROM runs WHERE id = ?'),
      insertStep: db.prepare(`INSERT INTO steps (run_id, idx, created_at, tool_name, sub_goal, context, command, result, verification)
        VALUES (@runId, @idx, @createdAt, @toolName, @subGoal, @context, @command, @result, @verification)
        ON CONFLICT (run_id, idx) DO UPDATE SET tool_name = excluded.tool_name, sub_goal = excluded.sub_goal,
        context = excluded.context, command = excluded.command, result = excluded.result, verification = excluded.verification`),
      getSteps: db.prepare('SELECT * FROM steps WHERE run_id = ? ORDER BY idx'),
      insertCall: db.prepare(`INSERT INTO module_calls (run_id, step_idx, module, model_id, adapter_id, prompt_text, response_text,
        prompt_tokens, response_tokens, response_logprobs, started_at, duration_ms, meta)
        VALUES (@runId, @stepIdx, @module, @modelId, @adapterId, @promptText, @responseText, @promptTokens, @responseTokens,
        @responseLogprobs, @startedAt, @durationMs, @meta)`),
      getCalls: db.prepare('SELECT * FROM module_calls WHERE run_id = ? ORDER BY id'),
      runningOwners: db.prepare(`SELECT DISTINCT owner_pid AS pid, owner_started_at AS startedAt FROM runs WHERE status = 'running'`),
      closeInterrupted: db.prepare(`UPDATE runs SET status = 'ended', stop_reason = 'interrupted', ended_at = @endedAt
        WHERE status = 'running' AND owner_pid IS @pid AND owner_started_at IS @startedAt`),
    };
  }

  createTask(input: TaskInput): TaskRecord {
    const record = {
      id: newId('task'),
      createdAt: Date.now(),
      question: input.question,
      expectedAnswer: input.expectedAnswer === undefined ? null : json(input.expectedAnswer),
      answerKind: input.answerKind ?? null,
      source: input.source ?? 'user',
      meta: json(input.meta ?? {}),
    };
    this.statements.insertTask.run(record);
    return this.getTask(record.id)!;
  }

  getTask(id: string): TaskRecord | undefined {
    const row = this.statements.getTask.get(id) as Record<string, unknown> | undefined;
    if (row === undefined) return undefined;
    return {
      id: row.id as string,
      createdAt: row.created_at as number,
      question: row.question as string,
      expectedAnswer: parse(row.expected_answer as string | null),
      answerKind: row.answer_kind as string | null,
      source: row.source as string,
      meta: parse(row.meta as string) as Record<string, unknown>,
    };
  }

  /** Sets a task's reference answer (a user's correction: answer kind `judge`). */
  setExpectedAnswer(taskId: string, answer: unknown, answerKind: string): void {
    this.db.prepare('UPDATE tasks SET expected_answer = ?, answer_kind = ? WHERE id = ?').run(json(answer), answerKind, taskId);
  }

  startRun(input: RunStart): RunRecord {
    const id = newId('run');
    this.statements.insertRun.run({
      id,
      taskId: input.taskId,
      kind: input.kind ?? 'ask',
      groupId: input.groupId ?? null,
      createdAt: Date.now(),
      profile: input.profile ?? null,
      plannerModel: input.plannerModel ?? null,
      plannerAdapterId: input.plannerAdapterId ?? null,
      config: json(input.config ?? {}),
      ownerPid: currentProcess().pid,
      ownerStartedAt: currentProcess().startedAt,
    });
    return this.getRun(id)!;
  }

  endRun(id: string, end: { stopReason: StopReason; answer?: string | null; error?: string | null; totalTokens?: number }): void {
    this.statements.endRun.run({
      id,
      endedAt: Date.now(),
      stopReason: end.stopReason,
      answer: end.answer ?? null,
      error: end.error ?? null,
      totalTokens: end.totalTokens ?? 0,
    });
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.statements.getRun.get(id) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : toRun(row);
  }

  /** Runs newest first, filtered as the Runs screen filters them (one query: RunHistory.summaries). */
  listRuns(options: ListRunsOptions = {}): RunRecord[] {
    return new RunHistory(this.db).summaries({ ...options, limit: options.limit ?? 50 }).map(toRun);
  }

  recordStep(input: StepInput): void {
    this.statements.insertStep.run({
      runId: input.runId,
      idx: input.idx,
      createdAt: Date.now(),
      toolName: input.toolName ?? null,
      subGoal: input.subGoal ?? null,
      context: input.context ?? null,
      command: input.command === undefined ? null : json(input.command),
      result: input.result === undefined ? null : json(input.result),
      verification: input.verification === undefined ? null : json(input.verification),
    });
  }

  getSteps(runId: string): StepRecord[] {
    return (this.statements.getSteps.all(runId) as Record<string, unknown>[]).map((row) => ({
      id: row.id as number,
      runId: row.run_id as string,
      idx: row.idx as number,
      createdAt: row.created_at as number,
      toolName: row.tool_name as string | null,
      subGoal: row.sub_goal as string | null,
      context: row.context as string | null,
      command: parse(row.command as string | null),
      result: parse(row.result as string | null),
      verification: parse(row.verification as string | null),
    }));
  }

  recordModuleCall(input: ModuleCallInput): number {
    const info = this.statements.insertCall.run({
      runId: input.runId,
      stepIdx: input.stepIdx ?? null,
      module: input.module,
      modelId: input.modelId ?? null,
      adapterId: input.adapterId ?? null,
      promptText: input.promptText,
      responseText: input.responseText,
      promptTokens: encodeTokens(input.promptTokens),
      responseTokens: encodeTokens(input.responseTokens),
      responseLogprobs: encodeFloats(input.responseLogprobs),
      startedAt: input.startedAt,
      durationMs: input.durationMs,
      meta: json(input.meta ?? {}),
    });
    return Number(info.lastInsertRowid);
  }

  getModuleCalls(runId: string): ModuleCallRecord[] {
    return (this.statements.getCalls.all(runId) as Record<string, unknown>[]).map((row) => ({
      id: row.id as number,
      runId: row.run_id as string,
      stepIdx: row.step_idx as number | null,
      module: row.module as ModuleName,
      modelId: row.model_id as string | null,
      adapterId: row.adapter_id as string | null,
      promptText: row.prompt_text as string,
      responseText: row.response_text as string,
      promptTokens: decodeTokens(row.prompt_tokens as Uint8Array | null),
      responseTokens: decodeTokens(row.response_tokens as Uint8Array | null),
      responseLogprobs: decodeFloats(row.response_logprobs as Uint8Array | null),
      startedAt: row.started_at as number,
      durationMs: row.duration_ms as number,
      meta: parse(row.meta as string) as Record<string, unknown>,
    }));
  }

  /**
   * Closes runs left `running` by a process that died (its id is gone, or now belongs to a process started
   * later); runs another live process is running stay open. Call once at start-up. Returns how many.
   */
  closeInterruptedRuns(): number {
    const owners = this.statements.runningOwners.all() as Array<{ pid: number | null; startedAt: number | null }>;
    let closed = 0;
    for (const owner of owners) {
      if (owner.pid !== null && isProcessAlive({ pid: owner.pid, startedAt: owner.startedAt })) continue;
      closed += this.statements.closeInterrupted.run({ endedAt: Date.now(), pid: owner.pid, startedAt: owner.startedAt }).changes;
    }
    return closed;
  }
}

function toRun(row: Record<string, unknown>): RunRecord {
  return {
    id: row.id as string,
    taskId: row.task_id as string,
    kind: row.kind as RunKind,
    groupId: row.group_id as string | null,
    createdAt: row.created_at as number,
    endedAt: row.ended_at as number | null,
    status: row.status as 'running' | 'ended',
    stopReason: row.stop_reason as StopReason | null,
    profile: row.profile as string | null,
    plannerModel: row.planner_model as string | null,
    plannerAdapterId: row.planner_adapter_id as string | null,
    config: parse(row.config as string) as Record<string, unknown>,
    answer: row.answer as string | null,
    error: row.error as string | null,
    totalTokens: row.total_tokens as number,
  };
}
