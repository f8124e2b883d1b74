import { evaluate, expandLatexFractions, ExpressionError, tokenize } from './arithmetic.ts';
import { extractBoxed, stripAnswerWrappers } from './extract-answer.ts';
import { isUnitWord } from './normalize.ts';

/** A number an answer denotes, and how many decimals it was written with (null for exact forms: integers, fractions). */
export interface ParsedNumber {
  value: number;
  decimals: number | null;
  /** "50%" also reads as 0.5: both values are offered. */
  alternatives: number[];
}

const NUMBER_WORDS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
};

const PLAIN = /^[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

function plainNumber(text: string): ParsedNumber | null {
  const value = text.replace(/^\+/, '').replace(/^−/, '-');
  if (!PLAIN.test(value)) return null;
  const number = Number(value);
  if (!Number.isFinite(number)) return null;
  const decimalPart = /\.(\d+)/.exec(value)?.[1];
  return { value: number, decimals: decimalPart === undefined || /e/i.test(value) ? null : decimalPart.length, alternatives: [] };
}

/** Simplifies LaTeX and typography to something `plainNumber` or the fraction rule can read. */
function simplify(text: string): string {
  let value = stripAnswerWrappers(text);
  value = expandLatexFractions(value);
  value = value.replace(/\\left|\\right|\\!|\\,|\\;|\\ |~/g, '');
  value = value
    .replace(/\\text\{\s*([^}]*)\}/g, ' $1 ')
    .replace(/\\%/g, '%')
    .replace(/\\\$/g, '$');
  value = value.replace(/^[a-z]\s*=\s*/i, '');
  value = value.replace(/[$€£¥₹]/g, '');
  value = value.replace(/(\d)[,\s'’](?=\d{3}(?:\D|$))/g, '$1');
  value = value.replace(/(\d),(?=\d{3}(?:\D|$))/g, '$1');
  value = value.replace(/\s*(?:\\times|×|\*|x)\s*10\s*\^\s*\{?\s*([-+−]?\d+)\s*\}?/gi, 'e$1');
  value = value.replace(/−/g, '-');
  // Trailing or leading unit/currency words: "27 miles", "USD 5".
  const words = value.trim().split(/\s+/);
  while (words.length > 1 && isUnitWord(words.at(-1)!)) words.pop();
  while (words.length > 1 && isUnitWord(words[0]!)) words.shift();
  return words.join(' ').trim();
}

/**
 * Reads an answer that IS a number: "1,000", "$5", "27 miles", "50%", "1/2", "\frac{1}{2}", "\boxed{33}",
 * "-3.5", "1.5 × 10^3", "x = 4", "twelve". Null when the text is anything more than a number.
 */
export function parseNumber(input: string | number): ParsedNumber | null {
  if (typeof input === 'number') return Number.isFinite(input) ? { value: input, decimals: null, alternatives: [] } : null;
  const boxed = extractBoxed(input);
  const text = simplify(boxed ?? input);
  if (text === '') return null;
  const word = NUMBER_WORDS[text.toLowerCase()];
  if (word !== undefined) return { value: word, decimals: null, alternatives: [] };
  const percent = /^(.*?)\s*(?:%|percent)$/i.exec(text);
  if (percent !== null) {
    const inner = parseNumber(percent[1] ?? '');
    return inner === null ? null : { value: inner.value, decimals: inner.decimals, alternatives: [inner.value / 100] };
  }
  const plain = plainNumber(text);
  if (plain !== null) return plain;
  const fraction = /^([-+]?)\(?\s*([-+]?[\d.]+)\s*\)?\s*\/\s*\(?\s*([-+]?[\d.]+)\s*\)?$/.exec(text);
  if (fraction !== null) {
    const numerator = plainNumber(fraction[2] ?? '');
    const denominator = plainNumber(fraction[3] ?? '');
    if (numerator === null || denominator === null || denominator.value === 0) return null;
    const sign = fraction[1] === '-' ? -1 : 1;
    return { value: (sign * numerator.value) / denominator.value, decimals: null, alternatives: [] };
  }
  return fractionExpression(text);
}

/** A fraction of fractions, as `\frac{\frac{1}{2}}{3}` expands to: numbers, brackets, `/` and signs only. */
function fractionExpression(text: string): ParsedNumber | null {
  if (!/^[-+\d.()\s/]+$/.test(text) || !text.includes('/') || !text.includes('(')) return null;
  // An unbracketed chain such as 04/15/18 is a date, not a fraction of fractions.
  if (/[\d.]\s*\/\s*[\d.]+\s*\//.test(text)) return null;
  // Signs only (at the start or after a bracket): "3-1/2" is arithmetic, not a number.
  if (/[-+]/.test(text.replace(/(^|\()\s*[-+]/g, '$1'))) return null;
  try {
    const value = evaluate(tokenize(text.replace(/^\+/, '')), [], { unaryMinus: true });
    return Number.isFinite(value) ? { value, decimals: null, alternatives: [] } : null;
  } catch (error) {
    if (error instanceof ExpressionError) return null;
    throw error;
  }
}

/** Words that make a number in prose something other than the answer: negation, alternatives, ranges, doubt. */
const HEDGES =
  /\b(?:not|no|never|none|neither|nor|either|or|between|except|unless|instead|rather|maybe|perhaps|possibly|might|unsure|guess)\b|n[’']t\b/i;

/**
 * The one number a prose answer commits to ("They meet 27 miles from A"), or why it commits to none: several
 * different numbers ("either 41 or 42", "between 10 and 42") or a negation or hedge ("It is not 42"). Null
 * when the text has no number. Training optimises against this reading, so it must not reward hedging.
 */
export function proseNumber(text: string): { number: ParsedNumber } | { refused: string } | null {
  const cleaned = text.replace(/(\d),(?=\d{3}(?:\D|$))/g, '$1');
  const found = [...cleaned.matchAll(/[-−]?\d+(?:\.\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?%?/g)].map((m) => parseNumber(m[0])).filter((n) => n !== null);
  if (found.length === 0) return null;
  const distinct = [...new Set(found.map((n) => n.value))];
  if (distinct.length > 1) return { refused: `the text names several numbers (${distinct.join(', ')})` };
  const hedge = HEDGES.exec(cleaned)?.[0];
  if (hedge !== undefined) return { refused: `the text hedges or negates ("${hedge}")` };
  return { number: found.at(-1)! };
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/**
 * Whether two numbers are the same answer: equal within a relative 1e-6, or equal once the exact one is
 * rounded to the decimals the other was written with (at least 2: "0.333" for 1/3). Percent forms match
 * either reading.
 */
export function numbersEqual(expected: ParsedNumber, actual: ParsedNumber): { equal: boolean; reason: string } {
  const expectedValues = [expected.value, ...expected.alternatives];
  const actualValues = [actual.value, ...actual.alternatives];
  for (const e of expectedValues) {
    for (const a of actualValues) {
      if (close(e, a)) return { equal: true, reason: `${a} equals ${e}` };
    }
  }
  for (const [rounded, written] of [
    [expected, actual],
    [actual, expected],
  ] as const) {
    const decimals = written.decimals;
    if (rounded.decimals !== null || decimals === null || decimals < 2) continue;
    if (close(Number(rounded.value.toFixed(decimals)), written.value)) {
      return { equal: true, reason: `${written.value} equals ${rounded.value} rounded to ${decimals} decimals` };
    }
  }
  return { equal: false, reason: `${actual.value} differs from ${expected.value}` };
}
