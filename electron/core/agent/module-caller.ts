import { InflowError } from '../errors.ts';
import type { Generation, LanguageModel, SamplingOptions } from '../llm/language-model.ts';
import type { ModuleName, RunStore } from '../store/run-store.ts';
import type { AgentModule, ModuleRequest, ProfileName } from './profiles/prompt-profile.ts';
import { RunStop, type RunBudget } from './run-budget.ts';

export interface ModuleCallerOptions {
  models: Record<AgentModule, LanguageModel>;
  budget: RunBudget;
  runId: string;
  profile: ProfileName;
  plannerSampling: SamplingOptions;
  fixedSampling: SamplingOptions;
  store?: RunStore;
  moduleMaxTokens?: Partial<Record<AgentModule, number>>;
  seed?: number;
  /** The user's cancellation signal (to tell cancellation from the answer's own time limit). */
  userSignal?: AbortSignal;
}

export interface ModuleCallExtra {
  /** Replaces the run's signal (the final answer after the time limit has its own). */
  signal?: AbortSignal;
  stream?: (text: string) => void;
  /** Not capped by the tokens left (the final answer). */
  unlimited?: boolean;
}

export type ModuleCaller = (module: AgentModule, request: ModuleRequest, step: number | null, extra?: ModuleCallExtra) => Promise<Generation>;

/**
 * One model call of a module, as the loop needs it: the response capped by the tokens left, the planner
 * sampled (seeded per step) and the fixed modules greedy, aborted with the run, and recorded in the store as
 * soon as it returns (prompt and response token ids, log-probs, sampling). A limit or cancellation is thrown
 * as RunStop. A constrained output cut by its token cap (the engine reports MODEL_OUTPUT_INVALID with the
 * generation attached) is recorded and returned for the profile to repair.
 */
export function createModuleCaller(options: ModuleCallerOptions): ModuleCaller {
  const { budget } = options;
  return async (module, request, step, extra = {}) => {
    if (!extra.unlimited) budget.check();
    const model = options.models[module];
    const remaining = extra.unlimited ? request.maxTokens : budget.remainingTokens();
    const maxTokens = Math.max(1, Math.min(options.moduleMaxTokens?.[module] ?? request.maxTokens, remaining));
    const base = module === 'planner' ? options.plannerSampling : options.fixedSampling;
    const seed = module === 'planner' && options.seed !== undefined ? { seed: options.seed + (step ?? 0) } : {};
    const sampling: SamplingOptions = { ...base, ...seed, maxTokens };
    const startedAt = Date.now();
    const started = performance.now();

    const record = (generation: Generation): Generation => {
      // Endpoints without token ids (openai-compatible.ts) report counts in `usage`.
      const usage = (generation as { usage?: { promptTokens: number; responseTokens: number } }).usage;
      budget.addModelCall(
        generation.promptTokens.length || (usage?.promptTokens ?? 0),
        generation.responseTokens.length || (usage?.responseTokens ?? 0),
      );
      options.store?.recordModuleCall({
        runId: options.runId,
        stepIdx: step,
        module: module as ModuleName,
        modelId: generation.modelId,
        adapterId: generation.adapterId,
        promptText: generation.promptText,
        responseText: generation.text,
        promptTokens: generation.promptTokens,
        responseTokens: generation.responseTokens,
        responseLogprobs: generation.responseLogprobs,
        startedAt,
        durationMs: performance.now() - started,
        meta: { profile: options.profile, sampling, stopReason: generation.stopReason, jsonSchema: request.jsonSchema !== undefined },
      });
      if (generation.stopReason === 'aborted' && budget.signal.aborted && !extra.signal) throw budget.stopFromAbort();
      return generation;
    };

    let generation: Generation;
    try {
      generation = await model.generate({
        messages: request.messages,
        sampling,
        ...(request.jsonSchema === undefined ? {} : { jsonSchema: request.jsonSchema }),
        signal: extra.signal ?? budget.signal,
        ...(extra.stream ? { onTextChunk: extra.stream } : {}),
      });
    } catch (error) {
      const cut =
        InflowError.isInstance(error) && error.code === 'MODEL_OUTPUT_INVALID' ? (error.details?.generation as Generation | undefined) : undefined;
      if (cut !== undefined && !budget.signal.aborted) return record(cut);
      if (extra.signal?.aborted)
        throw options.userSignal?.aborted
          ? new RunStop('cancelled', 'Cancelled by the user.')
          : new RunStop('time_limit', 'The final answer ran out of time.');
      if (budget.signal.aborted && extra.signal === undefined) throw budget.stopFromAbort();
      throw error;
    }
    return record(generation);
  };
}
