import path from 'node:path';
import type { RunHistory } from '../../store/run-history.ts';
import type { RunStore } from '../../store/run-store.ts';
import type { RolloutAgent } from './rollout-agent.ts';

/** A demonstration as the replay checks it: the question the user asked and the tool the planner chose at each step. */
export interface Demonstration {
  runId: string;
  question: string;
  tools: string[];
}

/** The approved runs an SFT run trains on (./demonstrations.ts), with their tool choices. */
export function demonstrationRuns(history: RunHistory, runs: RunStore, baseModel: string): Demonstration[] {
  return history.approvedRuns(path.basename(baseModel, '.gguf')).map(({ runId, question }) => ({
    runId,
    question,
    tools: runs.getSteps(runId).flatMap((step) => (step.toolName === null ? [] : [step.toolName])),
  }));
}

/**
 * Whether the planner as it stands makes the choices the user demonstrated: each demonstrated question asked again,
 * greedily (an `eval` run), counts as reproduced when the run chooses the demonstrated tool at every step the
 * demonstration took. Reported per SFT step (`demonstrationsReproduced`); `--until-reproduced` stops the run once all
 * are. Measured on the multi-turn suite (docs/training.md): 16 SFT steps left one planner choosing the second tool
 * twice on all six demonstrated questions, 24 steps reproduced all six.
 */
export async function replayDemonstrations(options: {
  demonstrations: readonly Demonstration[];
  runs: RunStore;
  agent: RolloutAgent;
  seed: number;
  signal?: AbortSignal;
}): Promise<{ reproduced: number; total: number; durationMs: number }> {
  const started = performance.now();
  let reproduced = 0;
  for (const [index, demonstration] of options.demonstrations.entries()) {
    options.signal?.throwIfAborted();
    const task = options.runs.createTask({ question: demonstration.question, source: 'eval', meta: { demonstrationOf: demonstration.runId } });
    const outcome = await options.agent({
      task,
      kind: 'eval',
      groupId: null,
      temperature: 0,
      seed: options.seed + index * 101,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const chosen = options.runs.getSteps(outcome.runId).map((step) => step.toolName);
    if (demonstration.tools.every((tool, step) => chosen[step] === tool)) reproduced++;
  }
  return { reproduced, total: options.demonstrations.length, durationMs: performance.now() - started };
}
