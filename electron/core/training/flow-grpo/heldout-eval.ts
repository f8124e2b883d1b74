import type { DatasetItem } from '../../datasets/dataset-store.ts';
import type { RunStore } from '../../store/run-store.ts';
import type { RewardFunction } from './rewards.ts';
import type { RolloutAgent } from './rollout-agent.ts';

export interface HeldOutResult {
  accuracy: number;
  correct: number;
  total: number;
  runIds: string[];
  durationMs: number;
}

/**
 * Accuracy of the current planner on held-out items: one `eval` run per item at `temperature` (default greedy;
 * when sampling, each item gets its own seed), a reward ≥ 0.5 counting as correct. Candidates are promoted only on this figure.
 */
export async function evaluateHeldOut(options: {
  items: readonly DatasetItem[];
  runs: RunStore;
  agent: RolloutAgent;
  reward: RewardFunction;
  temperature: number;
  seed: number;
  signal?: AbortSignal;
  parallel?: number;
}): Promise<HeldOutResult> {
  const started = performance.now();
  let correct = 0;
  const runIds: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.items.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      const item = options.items[index]!;
      const task = options.runs.createTask({
        question: item.question,
        expectedAnswer: item.answer,
        answerKind: item.answerKind,
        source: 'eval',
        meta: { datasetItemId: item.id, ...item.meta },
      });
      const outcome = await options.agent({
        task,
        kind: 'eval',
        groupId: null,
        temperature: options.temperature,
        seed: options.seed + index * 101,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const reward = await options.reward(item, outcome.answer);
      if (reward.value >= 0.5) correct++;
      runIds.push(outcome.runId);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 1, options.items.length)) }, worker));
  const total = options.items.length;
  return { accuracy: total === 0 ? 0 : correct / total, correct, total, runIds, durationMs: performance.now() - started };
}
