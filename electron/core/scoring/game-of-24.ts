import { ARITHMETIC_CHARS, evaluate, expandLatexFractions, ExpressionError, tokenize } from './arithmetic.ts';
import { stripAnswerWrappers } from './extract-answer.ts';

/** The verdict on one Game of 24 answer. */
export interface GameOf24Check {
  correct: boolean;
  reason: string;
  /** The arithmetic expression that was checked, when one was found. */
  expression: string | null;
  value: number | null;
}

const OPERATOR = /[+\-−–*×xX·∙/÷]/;
const SIDE_SPLIT = /=|≈/;

/** Cleans an answer for parsing: wrappers, LaTeX operators and (nested) fractions. */
function clean(answer: string): string {
  return expandLatexFractions(
    stripAnswerWrappers(answer)
      .replace(/\\times|\\cdot/g, '*')
      .replace(/\\div/g, '/')
      .replace(/\\left|\\right/g, ''),
  );
}

/** An arithmetic run of the answer: its sides (split at = or ≈) and where it ends in the text. */
interface Chain {
  text: string;
  sides: string[];
  end: number;
}

/**
 * The arithmetic runs of an answer. A text that is all arithmetic is one run and stands or falls as a whole;
 * in prose, every run of arithmetic characters (with = and ≈) is one, such as "(7-8/8)×4" in "The expression
 * is (7-8/8)×4 which makes 24".
 */
function chainsIn(text: string): Chain[] {
  const toChain = (run: string, end: number): Chain => ({
    text: run.trim(),
    sides: run
      .split(SIDE_SPLIT)
      .map((side) => side.trim())
      .filter((side) => side !== ''),
    end,
  });
  if (new RegExp(`^[${ARITHMETIC_CHARS}=≈]*$`).test(text)) return [toChain(text, text.length)];
  const runs = text.matchAll(new RegExp(`[\\d([{](?:[${ARITHMETIC_CHARS}=≈])*[\\d)\\]}]|\\d`, 'g'));
  return [...runs].map((run) => toChain(run[0], (run.index ?? 0) + run[0].length));
}

/** A result the answer states in words right after its expression ("… which makes 25"); null when none. */
function statedAfter(text: string, chain: Chain): number | null {
  const claim = /^\s*,?\s*(?:which\s+|that\s+|this\s+)?(?:makes|equals|gives|yields|is|results\s+in|comes\s+to)\s+(\d+(?:\.\d+)?)/i.exec(
    text.slice(chain.end),
  );
  return claim === null ? null : Number(claim[1]);
}

const sameMultiset = (a: number[], b: number[]): boolean => {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((value, index) => value === y[index]);
};

const is24 = (value: number) => Math.abs(value - 24) <= 1e-9;
const show = (value: number) => String(+value.toFixed(6));

/**
 * Checks a Game of 24 answer without `eval`: the answer must be ONE arithmetic expression (+ - × ÷, brackets)
 * that uses each of the four given numbers exactly once and equals 24 (within 1e-9, so 8/(3-8/3) counts).
 * Any valid expression is correct, not only the reference one. An answer offering several expressions
 * ("(1+2+3)*4 or 4*6"), or stating a result other than 24 ("1*2*3*4 = 25", "… which makes 25"), is wrong:
 * training optimises against this check, so hedging must not pay.
 */
export function checkGameOf24(answer: string, numbers: readonly number[]): GameOf24Check {
  const text = clean(answer);
  const chains = chainsIn(text).filter((chain) => chain.sides.some((side) => OPERATOR.test(side)));
  if (chains.length === 0) return { correct: false, expression: null, value: null, reason: 'no arithmetic expression found in the answer' };
  if (chains.length > 1) {
    return {
      correct: false,
      expression: null,
      value: null,
      reason: `the answer offers ${chains.length} expressions (${chains.map((c) => c.text).join('; ')}); a Game of 24 answer is exactly one`,
    };
  }
  const chain = chains[0]!;
  const sides: Array<{ text: string; value: number; used: number[] }> = [];
  for (const side of chain.sides) {
    const used: number[] = [];
    try {
      sides.push({ text: side, value: evaluate(tokenize(side), used), used });
    } catch (error) {
      if (error instanceof ExpressionError) return { correct: false, expression: side, value: null, reason: `invalid expression: ${error.message}` };
      throw error;
    }
  }
  const withOperator = sides.filter((side) => OPERATOR.test(side.text));
  const main = withOperator.find((side) => sameMultiset(side.used, [...numbers])) ?? withOperator[0]!;
  const { text: expression, value, used } = main;
  if (!sameMultiset(used, [...numbers])) {
    return { correct: false, expression, value, reason: `uses the numbers [${used.join(', ')}], not each of [${numbers.join(', ')}] exactly once` };
  }
  if (!is24(value)) return { correct: false, expression, value, reason: `${expression} = ${show(value)}, not 24` };
  const wrongSide = sides.find((side) => !is24(side.value));
  if (wrongSide !== undefined) {
    const claim = OPERATOR.test(wrongSide.text) ? `${wrongSide.text} = ${show(wrongSide.value)}` : `the result is ${wrongSide.text}`;
    return { correct: false, expression, value, reason: `${expression} = 24, but the answer states ${claim}` };
  }
  const stated = statedAfter(text, chain);
  if (stated !== null && !is24(stated))
    return { correct: false, expression, value, reason: `${expression} = 24, but the answer states the result is ${stated}` };
  return { correct: true, expression, value, reason: `${expression} = 24 using each number once` };
}

/** The four numbers of a Game of 24 item: from an array, or from text such as "Using the numbers [1, 1, 1, 8]". */
export function parseGameOf24Numbers(source: unknown): number[] | null {
  if (Array.isArray(source) && source.length === 4 && source.every((n) => typeof n === 'number' || /^\d+$/.test(String(n)))) {
    return source.map(Number);
  }
  if (typeof source !== 'string') return null;
  const listed = /\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]/.exec(source);
  if (listed !== null) return listed.slice(1, 5).map(Number);
  const bare = source.trim().split(/[\s,]+/);
  return bare.length === 4 && bare.every((n) => /^\d+$/.test(n)) ? bare.map(Number) : null;
}

/** The four numbers of a Game of 24 item: given, else read from the question, else from the reference expression. */
export function gameOf24ItemNumbers(numbers: readonly number[] | undefined, question: unknown, accepted: readonly string[]): number[] | null {
  if (numbers !== undefined) return [...numbers];
  const fromQuestion = parseGameOf24Numbers(question);
  if (fromQuestion !== null) return fromQuestion;
  const fromAnswer = accepted[0]?.match(/\d+(?:\.\d+)?/g)?.map(Number) ?? [];
  return fromAnswer.length === 4 ? fromAnswer : null;
}

/** Whether some expression over the numbers (each once; + - * / and brackets, no unary minus) makes 24. */
export function gameOf24Solvable(numbers: readonly number[]): boolean {
  const search = (values: number[]): boolean => {
    if (values.length === 1) return Math.abs(values[0]! - 24) <= 1e-9;
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        if (i === j) continue;
        const rest = values.filter((_, k) => k !== i && k !== j);
        const [a, b] = [values[i]!, values[j]!];
        const results = [a + b, a - b, a * b, ...(b === 0 ? [] : [a / b])];
        if (results.some((value) => search([...rest, value]))) return true;
      }
    }
    return false;
  };
  return search([...numbers]);
}
