import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  extractAnswer,
  extractAnswerSection,
  extractBoxed,
  normalizeAnswer,
  parseNumber,
  stripAnswerWrappers,
} from '../../../electron/core/scoring/index.ts';

describe('extractAnswer', () => {
  it('takes the LAST complete <answer> span, not the first one quoted in the reasoning', () => {
    const text = 'I must put the answer in <answer>...</answer> tags. First guess <answer>Paris</answer>, but checking: <answer> Lyon </answer>';
    assert.equal(extractAnswer(text), 'Lyon');
  });
  it('is case-insensitive about the tag and spans lines', () => {
    assert.equal(extractAnswer('x <ANSWER>\nJames\nMadison\n</Answer>'), 'James\nMadison');
  });
  it('takes what follows an unclosed tag when the generation was cut off', () => {
    assert.equal(extractAnswer('so <answer>42 because'), '42 because');
  });
  it('falls back to the whole text, trimmed', () => {
    assert.equal(extractAnswer('  just text \n'), 'just text');
  });
});

describe('extractAnswerSection', () => {
  it('takes the last Answer section, inline or on the next line, and ignores words that merely start with "answer"', () => {
    assert.equal(extractAnswerSection('Answer: 1\nmore\n**Final Answer:** Paris'), 'Paris');
    assert.equal(extractAnswerSection('## Answer\n\nLima\nbecause'), 'Lima');
    assert.equal(extractAnswerSection('Answering this needs care.\nAnswers vary.'), null);
    assert.equal(extractAnswerSection('no section here'), null);
  });
});

describe('extractBoxed and wrappers', () => {
  it('balances nested braces in the last \\boxed', () => {
    assert.equal(extractBoxed('first \\boxed{1} then \\boxed{\\frac{1}{2}}'), '\\frac{1}{2}');
    assert.equal(extractBoxed('no box'), null);
  });
  it('strips "Answer:", bold, $...$ and a final period', () => {
    assert.equal(stripAnswerWrappers('**Answer: $27$.**'), '27');
    assert.equal(stripAnswerWrappers('"Paris."'), 'Paris');
    assert.equal(stripAnswerWrappers('The final answer is 204'), '204');
  });
});

describe('normalizeAnswer', () => {
  it('ignores case, articles, punctuation and whitespace', () => {
    assert.equal(normalizeAnswer('  The Formation of  Vegetable-Mould! '), 'formation of vegetable mould');
  });
  it('drops accents so "Gülçiçek Hatun" matches "Gulcicek Hatun"', () => {
    assert.equal(normalizeAnswer('Gülçiçek Hatun'), normalizeAnswer('gulcicek hatun'));
  });
  it('reads 1,000 as 1000 and drops currency symbols but keeps decimal points', () => {
    assert.equal(normalizeAnswer('$1,000.50'), '1000.50');
    assert.equal(normalizeAnswer('138,535'), '138535');
  });
  it('reads dotted abbreviations as one word', () => {
    assert.equal(normalizeAnswer('U.S.A.'), normalizeAnswer('USA'));
  });
  it('keeps a list separator that is not a thousands separator', () => {
    assert.equal(normalizeAnswer('7, 9'), '7 9');
  });
});

describe('parseNumber', () => {
  const value = (text: string) => parseNumber(text)?.value ?? null;
  it('reads fractions in every notation', () => {
    assert.equal(value('1/2'), 0.5);
    assert.equal(value('\\frac{1}{2}'), 0.5);
    assert.equal(value('\\dfrac{3}{4}'), 0.75);
    assert.equal(value('-\\frac{1}{4}'), -0.25);
    assert.equal(value('$\\boxed{\\frac{7}{2}}$'), 3.5);
  });
  it('reads currency, units, separators, percent and scientific forms', () => {
    assert.equal(value('$1,000'), 1000);
    assert.equal(value('27 miles'), 27);
    assert.equal(value('x = 4'), 4);
    assert.deepEqual(parseNumber('50%')?.alternatives, [0.5]);
    assert.equal(value('1.5 \\times 10^{3}'), 1500);
    assert.equal(value('twelve'), 12);
    assert.equal(value('−3'), -3);
  });
  it('refuses text that is more than a number', () => {
    assert.equal(parseNumber('04/15/18'), null);
    assert.equal(parseNumber('3.1.3.1; 1.11.1.7'), null);
    assert.equal(parseNumber('about 5 or 6'), null);
    assert.equal(parseNumber('1/0'), null);
  });
});
