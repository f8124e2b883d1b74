import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNumber, scoreAnswer, scoreByRules, type Judge } from '../../../electron/core/scoring/index.ts';

// Training optimises against these scorers (the Flow-GRPO reward), so an answer that hedges, negates or offers
// several candidates must not be paid as if it committed to the right one.

describe('numeric answers in prose cannot be gamed without a judge', () => {
  const numeric = (response: string, expected: unknown = 42) => scoreByRules({ response: `<answer>${response}</answer>`, expected, kind: 'numeric' });
  it('a negation of the right number is not the right number', () => {
    for (const response of ['It is not 42', "It isn't 42", 'The answer is never 42', 'No, 42 is wrong']) {
      const result = numeric(response);
      assert.equal(result.correct, false, `${response}: ${result.reason}`);
      assert.match(result.reason, /hedges or negates/);
    }
  });
  it('alternatives and ranges that contain the right number do not score', () => {
    for (const response of ['either 41 or 42', 'between 10 and 42', '41 or 42', 'from 40 to 42', 'maybe 42']) {
      const result = numeric(response);
      assert.equal(result.correct, false, `${response}: ${result.reason}`);
    }
  });
  it('the strict verdict stands through scoreAnswer when no judge is given, and a judge can still overrule', async () => {
    assert.equal((await scoreAnswer({ response: 'It is not 42', expected: 42, kind: 'numeric' })).correct, false);
    const yes: Judge = { id: 'always-yes', judge: async () => ({ correct: true, reason: 'equivalent' }) };
    assert.equal((await scoreAnswer({ response: 'either 41 or 42', expected: 42, kind: 'numeric' }, { judge: yes })).method, 'judge');
  });
  it('prose that commits to one number still passes, undecided, so a judge may look', () => {
    const result = numeric('They meet 42 miles from A', 42);
    assert.deepEqual([result.correct, result.decided], [true, false]);
  });
});

describe('Game of 24 answers must be exactly one expression equal to 24', () => {
  const g24 = (response: string) =>
    scoreByRules({ response: `<answer>${response}</answer>`, expected: ['1*2*3*4'], kind: 'gameof24', numbers: [1, 2, 3, 4] });
  it('several expressions do not count, even if one of them is right', () => {
    for (const response of ['(1+2+3)*4 or 1*2*3*4', 'either 4*6 or (1+2+3)*4', '1*2*3*4; 4*3*2*1', 'Try 1+2+3+4, else 1*2*3*4']) {
      const result = g24(response);
      assert.equal(result.correct, false, response);
      assert.match(result.reason, /offers \d expressions/, response);
    }
  });
  it('a valid expression followed by a wrong stated result does not count', () => {
    for (const response of ['1*2*3*4 = 25', '25 = 1*2*3*4', '1*2*3*4 which makes 25', '1*2*3*4 = 6*4 = 25']) {
      const result = g24(response);
      assert.equal(result.correct, false, response);
      assert.match(result.reason, /states/, response);
    }
  });
  it('one expression, with or without its worked result of 24, still counts', () => {
    for (const response of ['1*2*3*4', '1*2*3*4 = 24', '24 = 4*3*2*1', '(1+2+3)*4 = 6*4 = 24', 'The expression is 1 × 2 × 3 × 4, which makes 24']) {
      const result = g24(response);
      assert.ok(result.correct, `${response}: ${result.reason}`);
    }
  });
});

describe('nested \\frac parses as docs/eval.md promises', () => {
  it('numeric answers: fractions inside fractions, signs, \\dfrac and \\boxed', () => {
    const cases: Array<[string, number]> = [
      ['\\frac{\\frac{1}{2}}{3}', 1 / 6],
      ['\\frac{3}{\\frac{1}{2}}', 6],
      ['\\dfrac{\\frac{1}{4}}{\\tfrac{1}{2}}', 0.5],
      ['-\\frac{1}{2}', -0.5],
      ['\\frac{-1}{2}', -0.5],
      ['\\boxed{\\frac{\\frac{1}{2}}{3}}', 1 / 6],
      ['\\frac12', 0.5],
    ];
    for (const [text, value] of cases) assert.ok(Math.abs(parseNumber(text)!.value - value) < 1e-12, text);
    assert.ok(scoreByRules({ response: 'So \\boxed{\\frac{\\frac{1}{2}}{3}}', expected: '1/6', kind: 'numeric' }).correct);
    assert.equal(parseNumber('3-1/2'), null, 'arithmetic is not a number');
  });
  it('Game of 24: a nested \\frac is evaluated, not read as text', () => {
    const result = scoreByRules({
      response: '\\frac{4 \\times 3}{\\frac{1}{2}}',
      expected: ['(4*3)/(1/2)'],
      kind: 'gameof24',
      numbers: [1, 2, 3, 4],
      extract: false,
    });
    assert.ok(result.correct, result.reason);
  });
});
