import type { AgentEvent } from '../agent/agent-events.ts';
import { InflowError } from '../errors.ts';
import { scoreAnswer } from '../scoring/score-answer.ts';
import type { Judge } from '../scoring/judge.ts';
import type { RunStore } from '../store/run-store.ts';
import type { EvalStore, EvaluationRecord, EvaluationStatus } from './eval-store.ts';
import type { Benchmark, EvalItem } from './load-benchmark.ts';

/** What the runner needs back from one agent run (runAgent's result has these fields). */
export interface EvalAgentResult {
  runId: string;
  answer: string | null;
  stopReason: string;
}

/**
 * Runs the agent on one question with runKind 'eval' (the CLI binds runAgent with the models, tools and
 * profile). It must forward the run's events to `onEvent` and stop promptly when `signal` aborts.
 */
export type EvalAgent = (request: {
  question: string;
  item: EvalItem;
  evaluationId: string;
  signal: AbortSignal;
  onEvent: (event: AgentEvent) => void;
}) => Promise<EvalAgentResult>;

export type EvalProgress =
  | { type: 'evaluation-start'; evaluation: EvaluationRecord; resumed: boolean; alreadyScored: number; toRun: number }
  | { type: 'item-start'; position: number }
  | { type: 'item-scored'; position: number; correct: boolean; method: string; reason: string; scored: number; planned: number; correctSoFar: number }
  | { type: 'evaluation-end'; evaluation: EvaluationRecord };

export interface RunEvaluationOptions {
  evalStore: EvalStore;
  runs: RunStore;
  benchmark: Benchmark;
  agent: EvalAgent;
  /** Consulted when the rule-based scorers cannot decide; its verdicts are stored with their reasons. */
  judge?: Judge;
  plannerModel: string | null;
  adapterId: string | null;
  /** Only the first N items (default: all). */
  limit?: number;
  /** Items run at once (default 1). */
  concurrency?: number;
  /** Resume this evaluation; by default the newest unfinished one of the same benchmark, planner, adapter and config is resumed. */
  evaluationId?: string;
  /** Start a new evaluation even when an unfinished one exists. */
  fresh?: boolean;
  config?: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: (progress: EvalProgress) => void;
}

function pickEvaluation(options: RunEvaluationOptions, planned: number): { evaluation: EvaluationRecord; resumed: boolean } {
  const { evalStore, benchmark } = options;
  if (options.evaluationId !== undefined) {
    const existing = evalStore.get(options.evaluationId);
    if (existing === undefined)
      throw new InflowError('EVALUATION_NOT_FOUND', `No evaluation ${options.evaluationId}.`, { hint: 'List them with: inflow eval list' });
    if (existing.benchmarkHash !== benchmark.hash) {
      throw new InflowError(
        'EVALUATION_MISMATCH',
        `Evaluation ${existing.id} ran on a different version of ${existing.benchmarkFile}; its items would not line up.`,
        {
          hint: 'Start a new evaluation (leave out --resume).',
        },
      );
    }
    return { evaluation: existing, resumed: true };
  }
  const resumable =
    options.fresh === true
      ? undefined
      : evalStore.findResumable({
          benchmarkHash: benchmark.hash,
          plannerModel: options.plannerModel,
          adapterId: options.adapterId,
          config: options.config ?? {},
        });
  if (resumable !== undefined) return { evaluation: resumable, resumed: true };
  const evaluation = evalStore.create({
    benchmark: benchmark.name,
    benchmarkFile: benchmark.file,
    benchmarkHash: benchmark.hash,
    itemCount: benchmark.items.length,
    plannedCount: planned,
    plannerModel: options.plannerModel,
    adapterId: options.adapterId,
    judgeModel: options.judge?.id ?? null,
    config: options.config ?? {},
  });
  return { evaluation, resumed: false };
}

/**
 * Runs a benchmark through the agent, scoring and storing each item as soon as it finishes, and resumes an
 * interrupted evaluation where it stopped: positions already scored are skipped, so no item is scored twice.
 * Cancelling (signal) leaves the evaluation `cancelled` and resumable; an item cut off mid-run is not stored.
 * An error thrown by the agent (not a run that ended in error) fails the evaluation, also resumable.
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationRecord> {
  const { evalStore, runs, benchmark } = options;
  const limit = options.limit === undefined ? benchmark.items.length : Math.min(options.limit, benchmark.items.length);
  if (!Number.isInteger(limit) || limit < 1) throw new InflowError('USAGE', `--limit must be a positive whole number (got ${options.limit}).`);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InflowError('USAGE', `--concurrency must be a positive whole number (got ${concurrency}).`);

  const { evaluation, resumed } = pickEvaluation(options, limit);
  // Resuming without --limit keeps the evaluation's own size; a --limit given again may extend it.
  const planned = resumed && options.limit === undefined ? Math.min(evaluation.plannedCount, benchmark.items.length) : limit;
  evalStore.update(evaluation.id, { status: 'running', plannedCount: planned, error: null });
  const done = evalStore.scoredPositions(evaluation.id);
  const queue = benchmark.items.slice(0, planned).filter((item) => !done.has(item.position));
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  let correctSoFar = evalStore.items(evaluation.id).filter((item) => item.correct).length;
  let scored = done.size;
  let failure: unknown;
  options.onProgress?.({
    type: 'evaluation-start',
    evaluation: evalStore.get(evaluation.id)!,
    resumed,
    alreadyScored: done.size,
    toRun: queue.length,
  });

  const runItem = async (item: EvalItem) => {
    options.onProgress?.({ type: 'item-start', position: item.position });
    const started = performance.now();
    const toolCalls: Record<string, number> = {};
    let steps = 0;
    let tokens = 0;
    const onEvent = (event: AgentEvent) => {
      if (event.type === 'step-start') steps = Math.max(steps, event.step);
      else if (event.type === 'tool-call') toolCalls[event.toolName] = (toolCalls[event.toolName] ?? 0) + 1;
      else if (event.type === 'run-end') tokens = event.usage.totalTokens;
    };
    const result = await options.agent({ question: item.question, item, evaluationId: evaluation.id, signal: controller.signal, onEvent });
    if (controller.signal.aborted) return;
    const score = await scoreAnswer(
      {
        response: result.answer ?? '',
        expected: item.expected,
        kind: item.answerKind,
        question: item.plainQuestion,
        ...(item.choices === undefined ? {} : { choices: item.choices }),
        ...(item.numbers === undefined ? {} : { numbers: item.numbers }),
      },
      { ...(options.judge === undefined ? {} : { judge: options.judge }), signal: controller.signal },
    );
    if (controller.signal.aborted) return;
    if (score.judgeGeneration !== undefined) {
      const g = score.judgeGeneration;
      runs.recordModuleCall({
        runId: result.runId,
        module: 'judge',
        modelId: g.modelId,
        adapterId: g.adapterId,
        promptText: g.promptText,
        responseText: g.text,
        promptTokens: g.promptTokens,
        responseTokens: g.responseTokens,
        responseLogprobs: g.responseLogprobs,
        startedAt: Date.now() - Math.round(g.timings.promptMs + g.timings.generateMs),
        durationMs: g.timings.promptMs + g.timings.generateMs,
        meta: { correct: score.correct, reason: score.reason },
      });
    }
    const run = runs.getRun(result.runId);
    if (steps === 0) steps = runs.getSteps(result.runId).length;
    evalStore.recordItem({
      evaluationId: evaluation.id,
      position: item.position,
      runId: run === undefined ? null : result.runId,
      category: item.category,
      answerKind: item.answerKind,
      expected: item.expected,
      answer: result.answer,
      extracted: score.extracted,
      correct: score.correct,
      score: score.score,
      method: score.method,
      reason: score.reason,
      stopReason: run?.stopReason ?? result.stopReason,
      steps,
      tokens: tokens || run?.totalTokens || 0,
      durationMs: performance.now() - started,
      toolCalls,
    });
    scored++;
    if (score.correct) correctSoFar++;
    options.onProgress?.({
      type: 'item-scored',
      position: item.position,
      correct: score.correct,
      method: score.method,
      reason: score.reason,
      scored,
      planned,
      correctSoFar,
    });
  };

  let next = 0;
  const worker = async () => {
    while (!controller.signal.aborted && failure === undefined) {
      const item = queue[next++];
      if (item === undefined) return;
      try {
        await runItem(item);
      } catch (error) {
        if (controller.signal.aborted) return;
        failure = error;
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(queue.length, 1)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const scoredNow = evalStore.scoredPositions(evaluation.id);
  const complete = queue.every((item) => scoredNow.has(item.position));
  const status: EvaluationStatus =
    failure !== undefined ? 'failed' : options.signal?.aborted === true ? 'cancelled' : complete ? 'completed' : 'interrupted';
  evalStore.update(evaluation.id, { status, error: failure === undefined ? null : ((failure as Error)?.message ?? String(failure)) });
  const final = evalStore.get(evaluation.id)!;
  options.onProgress?.({ type: 'evaluation-end', evaluation: final });
  if (failure !== undefined) {
    throw new InflowError(
      'EVALUATION_FAILED',
      `Evaluation ${evaluation.id} stopped after ${scored} of ${planned} items: ${(failure as Error)?.message ?? String(failure)}`,
      {
        hint: 'Fix the cause and run the same command again: scored items are kept and the evaluation resumes.',
        cause: failure,
      },
    );
  }
  return final;
}
