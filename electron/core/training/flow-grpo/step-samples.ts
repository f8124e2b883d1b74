import { groupAdvantages, summariseGroups, type GroupAdvantages } from './advantages.ts';
import type { CollectedGroup } from './rollout-collector.ts';
import { seededShuffle } from '../seeded-random.ts';
import type { TrainingConfig } from './training-config.ts';
import type { TrainingStore } from '../training-store.ts';
import type { TrainSample } from '../trainer/trainer-protocol.ts';

/**
 * Samples that fit the trainer's limit (prompt + response tokens <= `limit`, the rollouts' context size): a longer
 * one keeps its prompt and the first response tokens that fit (the token-level objective of a prefix is still
 * right), or is dropped when its prompt alone does not fit. Both are counted for the step's metrics.
 */
export function fitSamples(samples: readonly TrainSample[], limit: number): { samples: TrainSample[]; truncated: number; dropped: number } {
  let truncated = 0;
  let dropped = 0;
  const out: TrainSample[] = [];
  for (const sample of samples) {
    const room = limit - sample.promptTokens.length;
    if (sample.responseTokens.length <= room) out.push(sample);
    else if (room < 1) dropped++;
    else {
      truncated++;
      out.push({
        ...sample,
        responseTokens: sample.responseTokens.slice(0, room),
        ...(sample.oldLogprobs ? { oldLogprobs: sample.oldLogprobs.slice(0, room) } : {}),
      });
    }
  }
  return { samples: out, truncated, dropped };
}

/**
 * The shuffled-reward control's rewards: each group's rewards dealt out again among its own rollouts, in a seeded
 * order. Every group keeps its rewards (so the same groups are informative, with the same advantages, as in a real
 * run, and dynamic sampling decides the same on either) but which rollout earned what is lost: the control does the
 * trained run's work, update for update, without its signal. Permuting across the step's groups instead would give a
 * control more and larger random updates than the run it controls: groups that really solved their task (rewards all
 * 1, no update) would get a mix, so the control would drift where the trained run has nothing to learn.
 */
export function shuffleWithinGroups(rewards: readonly (readonly number[])[], seed: number): number[][] {
  return rewards.map((group, index) => seededShuffle(group, seed * 1009 + index));
}

/** Advantages per group (with the shuffled-reward control when asked), stored on the samples; non-zero ones go to the trainer. */
export function buildSamples(store: TrainingStore, groups: readonly CollectedGroup[], config: TrainingConfig, step: number) {
  const rewards = config.shuffleRewards
    ? shuffleWithinGroups(
        groups.map((g) => g.rewards),
        config.seed * 31 + step,
      )
    : groups.map((g) => g.rewards.slice());
  const results: Array<{ rewards: number[]; result: GroupAdvantages }> = [];
  const samples: TrainSample[] = [];
  groups.forEach((group, index) => {
    const stored = store.samplesOfGroup(group.groupId);
    const groupRewards = rewards[index] ?? [];
    const rollouts = group.runIds.map((runId, i) => ({ runId, reward: groupRewards[i] ?? 0, turns: stored.filter((s) => s.runId === runId).length }));
    const result = groupAdvantages(rollouts, config.grouping);
    results.push({ rewards: group.rewards, result });
    const byRun = new Map(rollouts.map((r, i) => [r.runId, result.advantages[i] ?? 0]));
    const values = stored.filter((s) => byRun.has(s.runId)).map((s) => ({ id: s.id, advantage: byRun.get(s.runId)! }));
    store.setAdvantages(values);
    if (result.degenerate) return;
    for (const s of stored) {
      const advantage = byRun.get(s.runId);
      if (advantage === undefined || advantage === 0) continue;
      samples.push({
        promptTokens: s.promptTokens,
        responseTokens: s.responseTokens,
        advantage,
        group: index,
        ...(s.responseLogprobs.length === s.responseTokens.length ? { oldLogprobs: s.responseLogprobs } : {}),
      });
    }
  });
  return { samples, stats: summariseGroups(results) };
}
