/**
 * Flow-GRPO advantages. Every planner turn of a rollout carries that rollout's final reward; advantages are the
 * rewards normalised within the group of rollouts of one task:
 *
 * - `trajectory` (default, the paper's equation): statistics over the G rollout rewards, one value per rollout,
 *   so a rollout with many planner turns does not weigh more in the mean and spread.
 * - `turn` (the reference code, verl `grpo`): statistics over all turn samples of the group (Σ T_i values), so
 *   longer rollouts count once per turn; a group of exactly one sample gets A = R, as in verl.
 *
 * Both use A = (R − mean) / (std + 1e-6) with the unbiased std (N − 1). A group whose rewards are all equal
 * has A = 0 for every sample: it contributes no gradient and is counted in `zeroGroups`.
 */
export type AdvantageGrouping = 'trajectory' | 'turn';

export interface TrajectoryReward {
  runId: string;
  reward: number;
  /** Number of planner turn samples recorded for this rollout. */
  turns: number;
}

export interface GroupAdvantages {
  /** Advantage of each rollout, broadcast to every one of its turns (same order as the input). */
  advantages: number[];
  mean: number;
  std: number;
  /** True when the group gives no gradient (all rewards equal, or nothing to compare). */
  degenerate: boolean;
}

export const ADVANTAGE_EPSILON = 1e-6;

/** Advantages of one task's group of rollouts. */
export function groupAdvantages(rollouts: readonly TrajectoryReward[], grouping: AdvantageGrouping = 'trajectory'): GroupAdvantages {
  for (const r of rollouts) {
    if (!(r.reward >= 0 && r.reward <= 1)) throw new RangeError(`Reward of run ${r.runId} is ${r.reward}; rewards are in [0, 1].`);
  }
  const values = grouping === 'trajectory' ? rollouts.map((r) => r.reward) : rollouts.flatMap((r) => Array.from({ length: r.turns }, () => r.reward));
  if (values.length === 0) return { advantages: rollouts.map(() => 0), mean: 0, std: 0, degenerate: true };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) {
    const single = grouping === 'turn' ? rollouts.map((r) => r.reward) : rollouts.map(() => 0);
    return { advantages: single, mean, std: 0, degenerate: grouping === 'trajectory' };
  }
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  const std = Math.sqrt(variance);
  if (values.every((v) => v === values[0])) return { advantages: rollouts.map(() => 0), mean, std: 0, degenerate: true };
  return { advantages: rollouts.map((r) => (r.reward - mean) / (std + ADVANTAGE_EPSILON)), mean, std, degenerate: false };
}

export interface BatchAdvantageStats {
  groups: number;
  /** Groups that contribute no gradient (all rewards equal). */
  zeroGroups: number;
  rewardMean: number;
  /** Mean over groups of the within-group reward std: how much the policy's choices differ in outcome. */
  rewardSpread: number;
}

/** Summary of a step's groups, for the stored metrics. */
export function summariseGroups(groups: ReadonlyArray<{ rewards: readonly number[]; result: GroupAdvantages }>): BatchAdvantageStats {
  const all = groups.flatMap((g) => g.rewards);
  return {
    groups: groups.length,
    zeroGroups: groups.filter((g) => g.result.degenerate).length,
    rewardMean: all.length ? all.reduce((a, b) => a + b, 0) / all.length : 0,
    rewardSpread: groups.length ? groups.reduce((a, g) => a + g.result.std, 0) / groups.length : 0,
  };
}
