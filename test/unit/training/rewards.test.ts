import assert from 'node:assert/strict';
import { test } from 'node:test';
import { feedbackReward, rewardForAnswer } from '../../../electron/core/training/flow-grpo/rewards.ts';
import type { Judge } from '../../../electron/core/scoring/judge.ts';

const item = (answer: string | number | string[], answerKind: string, meta: Record<string, unknown> = {}, question = 'q') => ({
  question,
  answer,
  answerKind: answerKind as never,
  meta,
});

test('each answer kind rewards a right answer with 1 and a wrong one with 0', async () => {
  assert.equal((await rewardForAnswer(item(['James Madison'], 'normalized'), 'The answer is <answer>james madison.</answer>')).value, 1);
  assert.equal((await rewardForAnswer(item(['James Madison'], 'normalized'), '<answer>John Adams</answer>')).value, 0);
  assert.equal((await rewardForAnswer(item(0.5, 'numeric'), '<answer>1/2</answer>')).value, 1);
  assert.equal((await rewardForAnswer(item(0.5, 'numeric'), '<answer>0.6</answer>')).value, 0);
  const game = item(['(1+1+1)×8'], 'gameof24', { numbers: [1, 1, 1, 8] });
  assert.equal((await rewardForAnswer(game, '<answer>8*(1+1+1)</answer>')).value, 1, 'any valid expression counts');
  const wrong = await rewardForAnswer(game, '<answer>8*1+1+1</answer>');
  assert.equal(wrong.value, 0);
  assert.equal(wrong.source, 'gameof24');
});

test('a run with no answer gets 0; feedback maps thumbs up/down to 1/0', async () => {
  assert.deepEqual((await rewardForAnswer(item('x', 'exact'), null)).value, 0);
  assert.equal(feedbackReward(1).value, 1);
  assert.equal(feedbackReward(-1).value, 0);
});

test('the judge settles free-form answers the rules cannot', async () => {
  const calls: string[] = [];
  const judge: Judge = {
    id: 'fake',
    async judge(input) {
      calls.push(input.response);
      return { correct: input.response.includes('Madison'), reason: 'judged' };
    },
  };
  const reward = await rewardForAnswer(item(['james madison'], 'judge', {}, 'Who?'), '<answer>President Madison</answer>', { judge });
  assert.equal(reward.value, 1);
  assert.equal(reward.source, 'judge');
  assert.deepEqual(calls, ['President Madison']);
});
