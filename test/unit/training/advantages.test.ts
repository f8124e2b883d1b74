import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupAdvantages, summariseGroups } from '../../../electron/core/training/flow-grpo/advantages.ts';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) < tol, `${a} ≉ ${b}`);

test('trajectory grouping normalises over the G rollout rewards, whatever their number of turns', () => {
  const result = groupAdvantages([
    { runId: 'a', reward: 1, turns: 3 },
    { runId: 'b', reward: 0, turns: 1 },
    { runId: 'c', reward: 0, turns: 1 },
    { runId: 'd', reward: 1, turns: 1 },
  ]);
  // mean 0.5, unbiased std sqrt(1/3)
  close(result.mean, 0.5);
  close(result.std, Math.sqrt(1 / 3));
  close(result.advantages[0]!, 0.5 / (Math.sqrt(1 / 3) + 1e-6));
  close(result.advantages[1]!, -0.5 / (Math.sqrt(1 / 3) + 1e-6));
  assert.equal(result.degenerate, false);
});

test('turn grouping (reference code) weighs a rollout once per planner turn', () => {
  const rollouts = [
    { runId: 'a', reward: 1, turns: 3 },
    { runId: 'b', reward: 0, turns: 1 },
  ];
  const result = groupAdvantages(rollouts, 'turn');
  // values 1,1,1,0: mean 0.75, unbiased std 0.5
  close(result.mean, 0.75);
  close(result.std, 0.5);
  close(result.advantages[0]!, 0.25 / (0.5 + 1e-6));
  close(result.advantages[1]!, -0.75 / (0.5 + 1e-6));
  const paper = groupAdvantages(rollouts, 'trajectory');
  assert.ok(Math.abs(paper.advantages[0]! + paper.advantages[1]!) < 1e-9, "the paper's grouping is symmetric for two rollouts");
  assert.ok(result.advantages[0]! < -result.advantages[1]!, 'the reference grouping shifts the baseline toward the long rollout');
});

test('a group with equal rewards gives zero advantages and is counted as giving no gradient', () => {
  const same = groupAdvantages([
    { runId: 'a', reward: 1, turns: 2 },
    { runId: 'b', reward: 1, turns: 1 },
  ]);
  assert.deepEqual(same.advantages, [0, 0]);
  assert.equal(same.degenerate, true);
  const mixed = groupAdvantages([
    { runId: 'a', reward: 0.2, turns: 1 },
    { runId: 'b', reward: 0.8, turns: 1 },
  ]);
  const stats = summariseGroups([
    { rewards: [1, 1], result: same },
    { rewards: [0.2, 0.8], result: mixed },
  ]);
  assert.equal(stats.groups, 2);
  assert.equal(stats.zeroGroups, 1);
  close(stats.rewardMean, 0.75);
});

test('a single-sample group: no baseline in the paper grouping, A = R in the reference grouping', () => {
  assert.deepEqual(groupAdvantages([{ runId: 'a', reward: 1, turns: 1 }]).advantages, [0]);
  assert.deepEqual(groupAdvantages([{ runId: 'a', reward: 1, turns: 1 }], 'turn').advantages, [1]);
});

test('a reward outside [0, 1] is refused', () => {
  assert.throws(() => groupAdvantages([{ runId: 'a', reward: 1.5, turns: 1 }]), /\[0, 1\]/);
});
