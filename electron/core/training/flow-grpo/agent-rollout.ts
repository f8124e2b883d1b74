import type { AgentModels } from '../../agent/run-agent.ts';
import { runAgent, type RunAgentOptions } from '../../agent/run-agent.ts';
import type { LanguageModel } from '../../llm/language-model.ts';
import type { RunStore, TaskRecord } from '../../store/run-store.ts';
import type { Tool } from '../../tools/tool.ts';
import type { RolloutAgent } from './rollout-agent.ts';

export interface AgentRolloutOptions {
  store: RunStore;
  /** The trainable planner (base model with the current adapter applied by the training loop). */
  planner: LanguageModel;
  /** The fixed modules and tools of one run; called for every run, so nothing carries over between rollouts. */
  setup: (task: TaskRecord) => { models?: Omit<AgentModels, 'planner'>; tools: readonly Tool[] };
  profile?: RunAgentOptions['profile'];
  limits?: RunAgentOptions['limits'];
  moduleMaxTokens?: RunAgentOptions['moduleMaxTokens'];
  topP?: number;
}

/**
 * A RolloutAgent on runAgent: fresh memory for every run (no long-term facts), the planner sampled at the
 * requested temperature (greedy when 0), the run recorded with its kind and group so its planner calls become
 * turn samples.
 */
export function createAgentRollout(options: AgentRolloutOptions): RolloutAgent {
  return async (request) => {
    const { models, tools } = options.setup(request.task);
    const result = await runAgent({
      question: request.task.question,
      taskId: request.task.id,
      models: { ...models, planner: options.planner },
      tools,
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.moduleMaxTokens === undefined ? {} : { moduleMaxTokens: options.moduleMaxTokens }),
      plannerSampling: request.temperature > 0 ? { temperature: request.temperature, topP: options.topP ?? 0.99 } : { temperature: 0 },
      seed: request.seed,
      store: options.store,
      runKind: request.kind,
      ...(request.groupId === null ? {} : { groupId: request.groupId }),
      runConfig: { training: true },
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    return {
      runId: result.runId,
      answer: result.answer,
      stopReason: result.stopReason,
      ...(result.error === undefined ? {} : { error: result.error }),
    };
  };
}
