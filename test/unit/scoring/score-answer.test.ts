import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createModelJudge, inferAnswerKind, scoreAnswer, scoreByRules, type ScoreInput } from '../../../electron/core/scoring/index.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';

const correct = (input: ScoreInput) => scoreByRules(input).correct;

describe('scoreByRules: normalized', () => {
  it('accepts any of the listed answers, ignoring case, articles and punctuation', () => {
    assert.ok(correct({ response: '<answer>James Madison.</answer>', expected: ['james madison'] }));
    assert.ok(correct({ response: '<answer>the Titan IIIE</answer>', expected: ['Titan IIIE', 'Titan 3E'] }));
    assert.ok(correct({ response: '<answer>Titan 3E</answer>', expected: ['Titan IIIE', 'Titan 3E'] }));
  });
  it('treats 1,000 and 1000, $5 and 5 dollars as the same', () => {
    assert.ok(correct({ response: '<answer>138535</answer>', expected: ['138,535'], kind: 'normalized' }));
    assert.ok(correct({ response: '<answer>$5</answer>', expected: '5 dollars', kind: 'normalized' }));
  });
  it('leaves a mismatch undecided for the judge and counts it wrong without one', () => {
    const result = scoreByRules({ response: '<answer>Madison</answer>', expected: ['james madison'] });
    assert.equal(result.correct, false);
    assert.equal(result.decided, false);
    assert.match(result.reason, /does not match "james madison"/);
  });
  it('scores an empty answer as wrong with a reason', () => {
    const result = scoreByRules({ response: '<answer> </answer>', expected: 'x' });
    assert.deepEqual([result.correct, result.decided, result.reason], [false, true, 'the response has no answer']);
  });
});

describe('scoreByRules: where the final answer is', () => {
  it('falls back to the last \\boxed{} when there is no <answer> tag', () => {
    assert.ok(correct({ response: 'First \\boxed{3}, corrected: \\boxed{\\text{Paris}}', expected: 'Paris' }));
    assert.ok(correct({ response: 'so x = \\boxed{\\frac{1}{2}}', expected: 0.5, kind: 'numeric' }));
  });
  it('reads the "Answer" section of a write-up (AgentFlow generator style) when there is no tag or box', () => {
    assert.ok(correct({ response: '**Process Summary:** searched twice.\n\n**Answer:** James Madison', expected: ['james madison'] }));
    assert.ok(correct({ response: 'Process Summary\nWe computed it.\n\n### Answer\n27 miles\n\nThat is all.', expected: 27, kind: 'numeric' }));
    assert.ok(correct({ response: '1. Process Summary: looked it up\n2. Answer: Lima.', expected: 'Lima' }));
  });
  it('prefers the <answer> span over a box in the reasoning', () => {
    assert.ok(!correct({ response: 'maybe \\boxed{Lyon} <answer>Nice</answer>', expected: 'Lyon' }));
  });
});

describe('scoreByRules: exact', () => {
  it('is case- and punctuation-sensitive', () => {
    assert.ok(correct({ response: "<answer>Let'S Make Money</answer>", expected: "Let'S Make Money", kind: 'exact' }));
    assert.ok(!correct({ response: "<answer>let's make money</answer>", expected: "Let'S Make Money", kind: 'exact' }));
  });
});

describe('scoreByRules: numeric', () => {
  const numeric = (response: string, expected: unknown) => scoreByRules({ response, expected, kind: 'numeric' });
  it('1/2 equals 0.5, and \\frac and \\boxed are read', () => {
    assert.ok(numeric('<answer>1/2</answer>', '0.5').correct);
    assert.ok(numeric('<answer>0.5</answer>', '1/2').correct);
    assert.ok(numeric('The result is \\boxed{\\frac{1}{2}}', 0.5).correct);
  });
  it('percentages match either reading', () => {
    assert.ok(numeric('<answer>50%</answer>', 0.5).correct);
    assert.ok(numeric('<answer>50%</answer>', 50).correct);
  });
  it('1,000 equals 1000 and units are ignored', () => {
    assert.ok(numeric('<answer>1,000</answer>', 1000).correct);
    assert.ok(numeric('<answer>27 miles</answer>', 27).correct);
  });
  it('accepts a rounded decimal of an exact fraction but not a different number', () => {
    assert.ok(numeric('<answer>0.333</answer>', '1/3').correct);
    assert.ok(!numeric('<answer>0.34</answer>', '1/3').correct);
    const wrong = numeric('<answer>34</answer>', 33);
    assert.deepEqual([wrong.correct, wrong.decided], [false, true]);
  });
  it('falls back to the last number of prose, marked undecided so a judge can overrule', () => {
    const result = numeric('<answer>They meet 27 miles from A</answer>', 27);
    assert.deepEqual([result.correct, result.decided], [true, false]);
    assert.match(result.reason, /last number/);
  });
});

describe('scoreByRules: choice', () => {
  const options = ['A. Hemolytic uremic syndrome', 'B. Oral ulcers', 'C. Colorectal cancer', 'D. Pancreatic cancer'];
  const choice = (response: string, expected = 'Colorectal cancer') =>
    scoreByRules({ response: `<answer>${response}</answer>`, expected, choices: options });
  it('accepts the letter in every common form for an answer given as option text', () => {
    for (const response of [
      'C',
      '(C)',
      'C.',
      'c',
      '**C**',
      'C) Colorectal cancer',
      'Option C',
      'The answer is (C)',
      'The correct option is C, because',
      'C. Colorectal cancer',
      'colorectal cancer',
      'the third option',
      '3',
    ]) {
      const result = choice(response);
      assert.ok(result.correct, `${response}: ${result.reason}`);
      assert.equal(result.method, 'choice');
    }
  });
  it('rejects another option, by letter or by text', () => {
    assert.ok(!choice('B').correct);
    assert.ok(!choice('Oral ulcers').correct);
    assert.ok(!choice('A patient with colitis').correct);
  });
  it('reads the options from the question when the item has no options list', () => {
    const question = 'Which?\nA. Red\nB. Green\nChoose the correct option.';
    assert.ok(scoreByRules({ response: '<answer>B</answer>', expected: 'Green', question }).correct);
    assert.equal(inferAnswerKind({ query: question, answer: 'Green' }), 'choice');
  });
  it('accepts an expected answer given as a letter', () => {
    assert.ok(scoreByRules({ response: 'Oral ulcers', expected: 'B', choices: options, extract: false }).correct);
  });
});

describe('scoreByRules: gameof24', () => {
  const question = 'Using the numbers [4, 7, 8, 8], create an expression that equals 24.';
  const g24 = (response: string, numbers?: number[]) =>
    scoreByRules({ response: `<answer>${response}</answer>`, expected: ['(7-8/8)×4'], kind: 'gameof24', question, ...(numbers ? { numbers } : {}) });
  it('accepts any valid expression, in × ÷ * / and LaTeX notation, with or without "= 24"', () => {
    for (const response of [
      '(7-8/8)×4',
      '4*(7-8/8)',
      '(7 - 8 ÷ 8) \\times 4 = 24',
      '$4 \\cdot (7 - \\frac{8}{8})$',
      'The expression is [7-(8/8)]×4 which makes 24',
    ]) {
      const result = g24(response);
      assert.ok(result.correct, `${response}: ${result.reason}`);
    }
  });
  it('is exact about fractions: 8/(3-8/3) = 24', () => {
    assert.ok(scoreByRules({ response: '8/(3-8/3)', expected: ['8/(3-8/3)'], kind: 'gameof24', numbers: [3, 3, 8, 8], extract: false }).correct);
  });
  it('rejects wrong values, reused or missing numbers, unary minus, division by zero and garbage', () => {
    const cases: Array<[string, RegExp]> = [
      ['(7-8/8)+4', /not 24/],
      ['8*3', /not each of/],
      ['(8+8+8)*(7-7)+4', /not each of/],
      ['(7-8/8)×4×1', /not each of/],
      ['-(4-8)*(7-8/8)', /invalid expression: unary minus/],
      ['(8/(8-8))*7+4', /./],
      ['(7-8/8×4', /bracket/],
      ['process.exit()', /./],
      ['I cannot find one', /no arithmetic expression|invalid/],
    ];
    for (const [response, reason] of cases) {
      const result = g24(response);
      assert.equal(result.correct, false, response);
      assert.match(result.reason, reason, response);
    }
  });
  it('takes the numbers from the question array or from the reference expression', () => {
    assert.ok(scoreByRules({ response: '(1+1+1)*8', expected: ['(1+1+1)×8'], kind: 'gameof24', extract: false }).correct);
    assert.equal(inferAnswerKind({ question: [1, 1, 1, 8], answer: ['(1+1+1)×8'] }), 'gameof24');
  });
});

describe('inferAnswerKind', () => {
  it('reads the kind from the item shape', () => {
    assert.equal(inferAnswerKind({ answer: 33 }), 'numeric');
    assert.equal(inferAnswerKind({ answer: '0.1777' }), 'numeric');
    assert.equal(inferAnswerKind({ answer: ['james madison'] }), 'normalized');
    assert.equal(inferAnswerKind({ answer: '04/15/18' }), 'normalized');
    assert.equal(inferAnswerKind({ answer: 'x', options: ['a', 'b'] }), 'choice');
    assert.equal(inferAnswerKind({ answer: 'x', answer_kind: 'judge' }), 'judge');
  });
});

describe('scoreAnswer with a judge', () => {
  const judge = (correct: boolean) => {
    const calls: unknown[] = [];
    return {
      calls,
      judge: {
        id: 'test-judge',
        async judge(input: unknown) {
          calls.push(input);
          return { correct, reason: correct ? 'same person' : 'different' };
        },
      },
    };
  };
  it('asks the judge only when the rules cannot decide, and keeps its reason', async () => {
    const yes = judge(true);
    const result = await scoreAnswer(
      { response: '<answer>President James Madison</answer>', expected: ['james madison'], question: 'Who?' },
      { judge: yes.judge },
    );
    assert.deepEqual([result.correct, result.score, result.method, result.reason], [true, 1, 'judge', 'same person']);
    assert.deepEqual(yes.calls, [{ response: 'President James Madison', expected: ['james madison'], question: 'Who?' }]);
  });
  it('does not consult the judge for decided answers', async () => {
    const no = judge(false);
    const result = await scoreAnswer({ response: '<answer>James Madison</answer>', expected: ['james madison'] }, { judge: no.judge });
    assert.deepEqual([result.correct, result.method, no.calls.length], [true, 'normalized', 0]);
    const g24 = await scoreAnswer(
      { response: '8*3', expected: ['(1+1+1)×8'], kind: 'gameof24', numbers: [1, 1, 1, 8] },
      { judge: judge(true).judge },
    );
    assert.equal(g24.correct, false);
  });
});

describe('createModelJudge', () => {
  it('reads the structured verdict, and keeps the raw reply or the error as the reason when there is none', async () => {
    const model = new ScriptedLanguageModel({
      id: 'judge',
      turns: [{ json: { analysis: 'Same city.', true_false: true } }, { json: { analysis: 'x' } }, new Error('context overflow')],
    });
    const judge = createModelJudge(model);
    const input = { question: 'Capital?', response: 'x'.repeat(10_000), expected: ['Paris'] };
    assert.deepEqual(await judge.judge(input).then((v) => [v.correct, v.reason]), [true, 'Same city.']);
    assert.ok(model.requests[0]!.messages[0]!.content.length < 6000, 'a long response is cut to fit');
    assert.equal(model.requests[0]!.sampling?.temperature, 0);
    assert.deepEqual(model.requests[0]!.jsonSchema, {
      type: 'object',
      properties: { analysis: { type: 'string' }, true_false: { type: 'boolean' } },
      required: ['analysis', 'true_false'],
    });
    const noVerdict = await judge.judge(input);
    assert.deepEqual([noVerdict.correct, /no verdict/.test(noVerdict.reason)], [false, true]);
    const failed = await judge.judge(input);
    assert.deepEqual([failed.correct, failed.reason], [false, 'the judge failed: context overflow']);
  });
});
