import type { ProfileName } from '../agent/profiles/prompt-profile.ts';
import type { AgentModels } from '../agent/run-agent.ts';
import type { Backend } from '../backend.ts';
import type { LocalModel } from '../llm/local-model.ts';
import type { ModelPurpose, ModelRequest } from '../llm/model-loader.ts';
import { createModelJudge, type Judge } from '../scoring/judge.ts';

/**
 * What the models of an evaluation are loaded for, with or without an adapter (`inflow eval`, `inflow eval --adapter`,
 * `inflow adapters eval`): the agent under the prompt profile, so their context is the agent's (contract/defaults.ts).
 * An adapter is evaluated as the agent will run it once promoted, and on the same terms as the base model it is
 * compared with (`--against base`).
 */
export function evaluationPurpose(profile?: ProfileName): ModelPurpose {
  return { use: 'agent', profile };
}

export interface EvalModelOptions {
  backend: Backend;
  /** A GGUF path or the id of an installed model; default: the recommended installed model, else the first. */
  model?: string;
  /** An adapter id from the registry, applied to the planner only. */
  adapterId?: string;
  /** A GGUF path or installed id for the judge; default: the fixed (base) model. */
  judgeModel?: string;
  /** No judge: answers the rules cannot settle count as wrong. */
  noJudge?: boolean;
  gpu?: false | 'auto';
  threads?: number;
  /** The prompt profile the agent runs with: its context is the default (contract/defaults.ts). */
  profile?: ProfileName;
  contextSize?: number;
  /** Generations at once per model: match the evaluation's concurrency (default 1). */
  sequences?: number;
  signal?: AbortSignal;
}

export interface EvalModels {
  models: AgentModels;
  judge: Judge | undefined;
  plannerModelId: string;
  adapterId: string | null;
  dispose(): Promise<void>;
}

/**
 * Loads what an evaluation needs: the planner (with the adapter, if any), the fixed modules on the base
 * weights WITHOUT the adapter (as in AgentFlow, only the planner is trained; with an adapter this is a second
 * copy of the base model), and the judge (the fixed model unless another is named), through the back end's model
 * loader with the agent's context for the profile.
 */
export async function loadEvalModels(options: EvalModelOptions): Promise<EvalModels> {
  const loader = options.backend.modelLoader;
  const common: ModelRequest = {
    purpose: evaluationPurpose(options.profile),
    contextSize: options.contextSize,
    sequences: options.sequences ?? 1,
    gpu: options.gpu ?? 'auto',
    threads: options.threads,
    signal: options.signal,
  };
  const settings: ModelRequest = { ...common, model: options.model };
  const loaded: LocalModel[] = [];
  try {
    const planner = await loader.load(settings);
    loaded.push(planner);
    let fixed: LocalModel = planner;
    let adapterId: string | null = null;
    if (options.adapterId !== undefined) {
      const adapter = options.backend.adapters.get(options.adapterId);
      await planner.setAdapter(adapter.path, 1, { id: adapter.id });
      adapterId = adapter.id;
      fixed = await loader.load(settings);
      loaded.push(fixed);
    }
    let judge: Judge | undefined;
    if (options.noJudge !== true) {
      let judgeModel: LocalModel = fixed;
      if (options.judgeModel !== undefined) {
        judgeModel = await loader.load({ ...common, model: options.judgeModel });
        loaded.push(judgeModel);
      }
      judge = createModelJudge(judgeModel);
    }
    return {
      models: { planner, fixed },
      judge,
      plannerModelId: planner.id,
      adapterId,
      async dispose() {
        for (const model of loaded.reverse()) await model.dispose();
      },
    };
  } catch (error) {
    for (const model of loaded.reverse()) await model.dispose();
    throw error;
  }
}
