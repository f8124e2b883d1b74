import type { DatasetItem } from '../../datasets/dataset-store.ts';
import { InflowError } from '../../errors.ts';
import { collectGroup, type CollectedGroup, type CollectGroupOptions } from './rollout-collector.ts';
import { seededShuffle } from '../seeded-random.ts';
import { itemsForStep } from './step-schedule.ts';
import type { TrainingConfig } from './training-config.ts';

export interface StepCollection {
  groups: CollectedGroup[];
  /** Tasks drawn beyond the step's own by dynamic sampling. */
  extraTasks: number;
  /** The step's all-failed groups sampled again at the exploration temperature (counted in the same budget). */
  exploredGroups: number;
  rollouts: number;
  failedRollouts: number;
  rolloutMs: number;
  rewardMs: number;
}

/**
 * The rollout phase of a step: a group per task of the step. With dynamic sampling (`config.dynamicSampling` > 0, as
 * DAPO does), while fewer groups than the step's tasks are informative (rewards not all equal: the only groups that
 * teach anything): first, with `explorationTemperature` set, each of the step's tasks on which every rollout failed
 * (where the policy is stuck) is sampled again at that temperature, its first group kept in the store but set aside;
 * then more tasks are drawn, in a seeded order (a restarted step draws the same ones), at the exploration
 * temperature when set; at most `dynamicSampling` groups in all per step. They are counted and reported. A step in which every rollout that ran failed (the
 * question does not fit the context, the model cannot run) is an error, not an empty step: training on nothing but
 * failures would end "completed" having learnt nothing.
 */
export async function collectStep(
  options: Pick<CollectGroupOptions, 'store' | 'runs' | 'agent' | 'reward' | 'trainingRunId' | 'step' | 'parallel' | 'signal' | 'onRollout'> & {
    trainItems: readonly DatasetItem[];
    config: TrainingConfig;
  },
): Promise<StepCollection> {
  const { config, step } = options;
  const groups: CollectedGroup[] = [];
  const items = itemsForStep(options.trainItems, step, config.tasksPerStep, config.seed);
  const started = performance.now();
  let total = items.length * config.groupSize;
  const collect = async (item: DatasetItem, temperature: number) => {
    groups.push(
      await collectGroup({
        store: options.store,
        runs: options.runs,
        agent: options.agent,
        reward: options.reward,
        trainingRunId: options.trainingRunId,
        step,
        item,
        groupSize: config.groupSize,
        temperature,
        parallel: options.parallel,
        seed: config.seed * 1000 + step * 100,
        ...(options.signal ? { signal: options.signal } : {}),
        onRollout: (done) => options.onRollout?.(groups.length * config.groupSize + done, total),
      }),
    );
  };
  for (const item of items) await collect(item, config.temperature);
  let extraTasks = 0;
  let exploredGroups = 0;
  if (config.dynamicSampling > 0) {
    // these decisions read only each group's rewards as a whole (all equal, all failed), which the shuffled-reward
    // control keeps (it deals a group's rewards out again among its own rollouts, step-samples.ts): a control decides
    // exactly as on its own rewards, and learns nothing from the decisions
    const informative = () => groups.filter((g) => g.rewards.some((r) => r !== g.rewards[0])).length;
    const hot = config.explorationTemperature > 0 ? config.explorationTemperature : config.temperature;
    // per-group temperature raising: a task on which every rollout failed is where the policy is stuck; its group is
    // set aside (kept in the store, marked discarded) and sampled again at the exploration temperature
    if (config.explorationTemperature > 0) {
      for (const [index, group] of [...groups.entries()]) {
        if (exploredGroups >= config.dynamicSampling || informative() >= items.length) break;
        if (group.ran === 0 || group.rewards.some((r) => r !== 0)) continue;
        options.store.markGroup(group.groupId, 'discarded', { reason: 'explored again at the exploration temperature' });
        groups.splice(groups.indexOf(group), 1);
        total += config.groupSize;
        await collect(items[index]!, hot);
        exploredGroups++;
      }
    }
    const candidates = seededShuffle(options.trainItems, config.seed * 7919 + step * 31 + 17).filter((item) => !items.includes(item));
    while (informative() < items.length && exploredGroups + extraTasks < config.dynamicSampling && extraTasks < candidates.length) {
      total += config.groupSize;
      await collect(candidates[extraTasks]!, hot);
      extraTasks++;
    }
  }
  const ran = sum(groups.map((g) => g.ran));
  const failedRollouts = sum(groups.map((g) => g.failed));
  if (ran > 0 && failedRollouts === ran) {
    const first = groups.find((g) => g.firstError !== undefined)?.firstError ?? 'unknown error';
    throw new InflowError('TRAINING_ROLLOUTS_FAILED', `Every rollout of step ${step} failed (${failedRollouts} of ${ran}); the first: ${first}`, {
      hint: "Fix the cause above (for a question that does not fit, raise --context or shorten the dataset's questions), then continue with inflow train --resume.",
    });
  }
  const rewardMs = sum(groups.map((g) => g.rewardMs));
  // wall time of the phase (rollouts of a group overlap on parallel sequences), rewards taken out
  return {
    groups,
    extraTasks,
    exploredGroups,
    rollouts: groups.length * config.groupSize,
    failedRollouts,
    rewardMs,
    rolloutMs: performance.now() - started - rewardMs,
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
