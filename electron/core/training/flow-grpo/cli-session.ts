import { AdapterRegistry } from '../../adapters/adapter-registry.ts';
import type { Backend } from '../../backend.ts';
import type { LocalModel } from '../../llm/local-model.ts';
import type { ModelPurpose, ModelRequest } from '../../llm/model-loader.ts';
import { createModelJudge, type Judge } from '../../scoring/judge.ts';
import { createGeneralistTool } from '../../tools/builtin/generalist-tool.ts';
import { createPythonTool } from '../../tools/builtin/python-tool.ts';
import { PythonSandbox } from '../../tools/python/python-sandbox.ts';
import type { Tool } from '../../tools/tool.ts';
import { createAgentRollout } from './agent-rollout.ts';
import type { EnginePlanner } from './engine-planner.ts';
import type { RolloutAgent } from './rollout-agent.ts';
import { defaultTrainingConfig } from './training-config.ts';

export interface TrainingSessionOptions {
  backend: Backend;
  modelPath: string;
  /** What the models are for (default training; an adapter's held-out check: eval/eval-models.ts `evaluationPurpose`). */
  purpose?: ModelPurpose;
  contextSize?: number;
  threads?: number;
  /** Parallel sequences of the planner's context (rollouts of a group run at once). */
  sequences?: number;
  /** Agent steps per rollout (the reference trains with 3). */
  maxSteps?: number;
  gpu?: false | 'auto';
  /**
   * The judge of free-form answers: a model file (a training run's judge, never the planner's own model: see
   * judge-choice.ts), 'fixed' (the fixed modules' base model, for evaluating an adapter), or null/absent: none.
   */
  judge?: { path: string } | 'fixed' | null;
}

/** Everything a training or adapter-evaluation command needs on the local engine; `close` frees it all. */
export interface TrainingSession {
  planner: EnginePlanner;
  fixed: LocalModel;
  agent: RolloutAgent;
  /** Absent when the session has no judge: answers the rules cannot settle score 0. */
  judge: Judge | undefined;
  close(): Promise<void>;
}

/**
 * Loads the planner (the base model, to which the training loop applies adapters) and the fixed modules' model
 * (the same base without adapter, as in the paper), with the built-in tools (generalist, Python sandbox) and
 * the judge for free-form answers when one is asked for (options.judge), through the back end's model loader with the
 * context of its purpose (contract/defaults.ts: training's, or the agent's for an adapter's evaluation) unless the run
 * states one. Used by training (launch-training.ts, for the Training screen and `inflow train`) and `inflow adapters eval`.
 */
export async function openTrainingSession(options: TrainingSessionOptions): Promise<TrainingSession> {
  const loader = options.backend.modelLoader;
  const load: ModelRequest = {
    purpose: options.purpose ?? { use: 'training' },
    file: options.modelPath,
    contextSize: options.contextSize,
    gpu: options.gpu ?? 'auto',
    threads: options.threads,
  };
  const planner = await loader.loadPlanner({ ...load, sequences: options.sequences ?? 1 });
  const fixed = await loader.load(load);
  const sandbox = new PythonSandbox();
  const tools: Tool[] = [createGeneralistTool({ model: fixed }), createPythonTool({ sandbox })];
  const agent = createAgentRollout({
    store: options.backend.runs,
    planner,
    setup: () => ({ models: { fixed }, tools }),
    limits: { maxSteps: options.maxSteps ?? defaultTrainingConfig.maxAgentSteps },
  });
  let judgeModel: LocalModel | undefined;
  try {
    judgeModel =
      options.judge === 'fixed'
        ? fixed
        : typeof options.judge === 'object' && options.judge !== null
          ? await loader.load({ ...load, file: options.judge.path })
          : undefined;
  } catch (error) {
    sandbox.dispose();
    await planner.dispose();
    await fixed.dispose();
    throw error;
  }
  return {
    planner,
    fixed,
    agent,
    judge: judgeModel === undefined ? undefined : createModelJudge(judgeModel),
    async close() {
      sandbox.dispose();
      await planner.dispose();
      await fixed.dispose();
      if (judgeModel !== undefined && judgeModel !== fixed) await judgeModel.dispose();
    },
  };
}

/** Applies the promoted adapter of `modelPath` (if any) to a planner: what the agent does at start and on each change. */
export async function applyActiveAdapter(
  registry: AdapterRegistry,
  modelPath: string,
  planner: { setAdapter(path: string | null): Promise<void> },
): Promise<void> {
  await planner.setAdapter(registry.active(modelPath)?.path ?? null);
}
