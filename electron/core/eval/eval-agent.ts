import { runAgent, type AgentModels, type RunAgentOptions } from '../agent/run-agent.ts';
import type { RunStore } from '../store/run-store.ts';
import type { Tool } from '../tools/tool.ts';
import type { EvalAgent } from './run-evaluation.ts';

export interface EvalAgentOptions {
  store: RunStore;
  models: AgentModels;
  tools: readonly Tool[];
  /** Tools that exist but are off (e.g. network tools without permission), told to the planner. */
  absentTools?: RunAgentOptions['absentTools'];
  profile?: RunAgentOptions['profile'];
  /** Default as in the paper's evaluation: 10 steps, 300 s. */
  limits?: RunAgentOptions['limits'];
  moduleMaxTokens?: RunAgentOptions['moduleMaxTokens'];
  /** Benchmark name, stored with each run's config. */
  benchmark: string;
}

/**
 * The EvalAgent on runAgent: each item is a task carrying its expected answer and kind (so eval runs can later
 * feed training), run once with fresh memory and runKind 'eval', events forwarded for the report's counts.
 */
export function createEvalAgent(options: EvalAgentOptions): EvalAgent {
  return async ({ question, item, evaluationId, signal, onEvent }) => {
    const task = options.store.createTask({
      question,
      expectedAnswer: item.expected,
      answerKind: item.answerKind,
      source: 'eval',
      meta: { benchmark: options.benchmark, position: item.position, ...(item.category === null ? {} : { category: item.category }) },
    });
    const result = await runAgent({
      question,
      taskId: task.id,
      models: options.models,
      tools: options.tools,
      ...(options.absentTools === undefined ? {} : { absentTools: options.absentTools }),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      limits: { maxSteps: 10, maxTimeMs: 300_000, ...options.limits },
      ...(options.moduleMaxTokens === undefined ? {} : { moduleMaxTokens: options.moduleMaxTokens }),
      store: options.store,
      runKind: 'eval',
      runConfig: { benchmark: options.benchmark, position: item.position, evaluationId },
      signal,
      onEvent,
    });
    return { runId: result.runId, answer: result.answer, stopReason: result.stopReason };
  };
}
