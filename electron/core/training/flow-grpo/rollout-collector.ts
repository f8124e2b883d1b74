import type { DatasetItem } from '../../datasets/dataset-store.ts';
import type { RunStore } from '../../store/run-store.ts';
import type { RewardFunction } from './rewards.ts';
import type { RolloutAgent } from './rollout-agent.ts';
import type { TrainingStore } from '../training-store.ts';

export interface CollectGroupOptions {
  store: TrainingStore;
  runs: RunStore;
  agent: RolloutAgent;
  reward: RewardFunction;
  trainingRunId: string;
  step: number;
  item: DatasetItem;
  groupSize: number;
  temperature: number;
  /** Rollouts of the group run at once (parallel sequences). */
  parallel: number;
  seed: number;
  signal?: AbortSignal;
  onRollout?: (done: number, total: number) => void;
}

export interface CollectedGroup {
  groupId: string;
  rewards: number[];
  runIds: string[];
  /** Rollouts reused from before a restart. */
  reused: number;
  /** Rollouts run now that ended in an error (scored 0), and the first error. */
  failed: number;
  ran: number;
  firstError?: string;
  rolloutMs: number;
  rewardMs: number;
}

/**
 * Collects one task's group of rollouts for a step. Finished rollouts recorded before a crash are reused (their
 * samples are not lost); only the missing ones are run. Each finished rollout's reward and planner turn samples
 * are stored together, so a rollout either counts whole or not at all.
 */
export async function collectGroup(options: CollectGroupOptions): Promise<CollectedGroup> {
  const { store, item } = options;
  const group = store.groupFor({
    trainingRunId: options.trainingRunId,
    step: options.step,
    datasetItemId: item.id,
    createTask: () =>
      options.runs.createTask({
        question: item.question,
        expectedAnswer: item.answer,
        answerKind: item.answerKind,
        source: 'training',
        meta: { datasetItemId: item.id, ...item.meta },
      }).id,
  });
  const task = options.runs.getTask(group.taskId)!;
  for (const orphan of store.unscoredRollouts(group.id)) {
    store.recordRollout({ groupId: group.id, runId: orphan.runId, reward: await options.reward(item, orphan.answer) });
  }
  const finished = store.finishedRollouts(group.id);
  const reused = finished.length;
  let rolloutMs = 0;
  let rewardMs = 0;
  let next = finished.length;
  let failed = 0;
  let firstError: string | undefined;
  const missing = Math.max(0, options.groupSize - finished.length);
  const worker = async () => {
    while (next < options.groupSize) {
      options.signal?.throwIfAborted();
      const index = next++;
      const started = performance.now();
      const outcome = await options.agent({
        task,
        kind: 'rollout',
        groupId: group.id,
        temperature: options.temperature,
        seed: options.seed + index,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      // A run cut short by cancelling training is not a sample of the policy: leave it out (a restart reruns it).
      if (options.signal?.aborted || outcome.stopReason === 'cancelled') options.signal?.throwIfAborted();
      if (outcome.stopReason === 'cancelled') continue;
      if (outcome.stopReason === 'error') {
        failed++;
        firstError ??= outcome.error ?? 'the agent run failed';
      }
      const scored = performance.now();
      rolloutMs += scored - started;
      const reward = await options.reward(item, outcome.stopReason === 'interrupted' ? null : outcome.answer);
      rewardMs += performance.now() - scored;
      store.recordRollout({ groupId: group.id, runId: outcome.runId, reward });
      finished.push({ runId: outcome.runId, reward: reward.value });
      options.onRollout?.(finished.length, options.groupSize);
    }
  };
  if (missing > 0) await Promise.all(Array.from({ length: Math.min(missing, Math.max(1, options.parallel)) }, worker));
  const used = finished.slice(0, options.groupSize);
  store.markGroup(group.id, 'complete', { rewards: used.map((r) => r.reward), reused });
  return {
    groupId: group.id,
    rewards: used.map((r) => r.reward),
    runIds: used.map((r) => r.runId),
    reused,
    failed,
    ran: missing,
    rolloutMs,
    rewardMs,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
