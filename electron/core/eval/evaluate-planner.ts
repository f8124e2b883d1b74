import type { AbsentTool } from '../agent/profiles/prompt-profile.ts';
import type { ProfileName } from '../agent/profiles/prompt-profile.ts';
import type { Tool } from '../tools/tool.ts';
import { createEvalAgent } from './eval-agent.ts';
import { loadEvalModels, type EvalModelOptions } from './eval-models.ts';
import type { EvalStore, EvaluationRecord } from './eval-store.ts';
import type { Benchmark } from './load-benchmark.ts';
import { runEvaluation, type EvalProgress } from './run-evaluation.ts';

/** The models are chosen as `loadEvalModels` chooses them (model, adapter, judge, engine settings). */
export interface EvaluatePlannerOptions extends Omit<EvalModelOptions, 'sequences'> {
  evalStore: EvalStore;
  /** Run in order with the same loaded models; a cancelled one stops the rest. */
  benchmarks: readonly Benchmark[];
  tools: { tools: readonly Tool[]; absent: readonly AbsentTool[] };
  profile?: ProfileName;
  /** Agent steps per item (default 10, as in the paper's evaluation). */
  maxSteps?: number;
  limit?: number;
  concurrency?: number;
  /** Resume (or extend) this evaluation (with a single benchmark). */
  evaluationId?: string;
  fresh?: boolean;
  onProgress?: (progress: EvalProgress) => void;
}

/**
 * One planner (base model or adapter) on one or more benchmarks, start to finish: loads the models once, runs or
 * resumes an evaluation per benchmark with the agent, and unloads the models, so planners can be evaluated in turn.
 * The settings that change results (profile, steps, judge, tools) are the evaluation's config: an unfinished
 * evaluation is resumed only with the same ones.
 */
export async function evaluatePlanner(options: EvaluatePlannerOptions): Promise<EvaluationRecord[]> {
  const loaded = await loadEvalModels({
    backend: options.backend,
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.adapterId === undefined ? {} : { adapterId: options.adapterId }),
    ...(options.judgeModel === undefined ? {} : { judgeModel: options.judgeModel }),
    noJudge: options.noJudge === true,
    gpu: options.gpu ?? 'auto',
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.contextSize === undefined ? {} : { contextSize: options.contextSize }),
    sequences: options.concurrency ?? 1,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  try {
    const evaluations: EvaluationRecord[] = [];
    for (const benchmark of options.benchmarks) {
      const agent = createEvalAgent({
        store: options.backend.runs,
        models: loaded.models,
        tools: options.tools.tools,
        absentTools: options.tools.absent,
        benchmark: benchmark.name,
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.maxSteps === undefined ? {} : { limits: { maxSteps: options.maxSteps } }),
      });
      const evaluation = await runEvaluation({
        evalStore: options.evalStore,
        runs: options.backend.runs,
        benchmark,
        agent,
        plannerModel: loaded.plannerModelId,
        adapterId: loaded.adapterId,
        ...(loaded.judge === undefined ? {} : { judge: loaded.judge }),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.evaluationId === undefined ? {} : { evaluationId: options.evaluationId }),
        fresh: options.fresh === true,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        config: {
          profile: options.profile ?? 'structured',
          maxSteps: options.maxSteps ?? 10,
          judge: loaded.judge?.id ?? null,
          tools: options.tools.tools.map((tool) => tool.name),
        },
      });
      evaluations.push(evaluation);
      if (evaluation.status === 'cancelled') break;
    }
    return evaluations;
  } finally {
    await loaded.dispose();
  }
}
