import type { DatasetItem } from '../datasets/dataset-store.ts';
import { InflowError } from '../errors.ts';
import type { RunStore } from '../store/run-store.ts';
import type { Reward } from './rewards.ts';
import { collectGroup, type CollectedGroup } from './rollout-collector.ts';
import type { RolloutAgent } from './rollout-agent.ts';
import { itemsForStep } from './step-schedule.ts';
import type { TrainingConfig } from './training-config.ts';
import type { TrainingStore } from './training-store.ts';

export interface StepCollection {
  groups: CollectedGroup[];
  rollouts: number;
  failedRollouts: number;
  rolloutMs: number;
  rewardMs: number;
}

/**
 * The rollout phase of a step: a group per task of the step. A step in which every rollout that ran failed (the
 * question does not fit the context, the model cannot run) is an error, not an empty step: training on nothing but
 * failures would end "completed" having learnt nothing.
 */
export async function collectStep(options: {
  store: TrainingStore; runs: RunStore; agent: RolloutAgent; reward: (item: DatasetItem, answer: string | null) => Promise<Reward>;
  trainingRunId: string; step: number; trainItems: readonly DatasetItem[]; config: TrainingConfig; parallel: number;
  signal?: AbortSignal; onRollout?: (done: number, total: number) => void;
}): Promise<StepCollection> {
  const { config, step } = options;
  const groups: CollectedGroup[] = [];
  const items = itemsForStep(options.trainItems, step, config.tasksPerStep, config.seed);
  const total = items.length * config.groupSize;
  const started = performance.now();
  for (const item of items) {
    groups.push(await collectGroup({
      store: options.store, runs: options.runs, agent: options.agent, reward: options.reward, trainingRunId: options.trainingRunId, step, item,
      groupSize: config.groupSize, temperature: config.temperature, parallel: options.parallel, seed: config.seed * 1000 + step * 100,
      ...(options.signal ? { signal: options.signal } : {}),
      onRollout: (done) => options.onRollout?.(groups.length * config.groupSize + done, total),
    }));
  }
  const ran = sum(groups.map((g) => g.ran));
  const failedRollouts = sum(groups.map((g) => g.failed));
  if (ran > 0 && failedRollouts === ran) {
    const first = groups.find((g) => g.firstError !== undefined)?.firstError ?? 'unknown error';
    throw new InflowError('TRAINING_ROLLOUTS_FAILED', `Every rollout of step ${step} failed (${failedRollouts} of ${ran}); the first: ${first}`, {
      hint: 'Fix the cause above (for a question that does not fit, raise --context or shorten the dataset\'s questions), then continue with inflow train --resume.',
    });
  }
  const rewardMs = sum(groups.map((g) => g.rewardMs));
  // wall time of the phase (rollouts of a group overlap on parallel sequences), rewards taken out
  return { groups, rollouts: groups.length * config.groupSize, failedRollouts, rewardMs, rolloutMs: performance.now() - started - rewardMs };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
