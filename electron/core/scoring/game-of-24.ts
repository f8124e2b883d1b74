import { stripAnswerWrappers } from './extract-answer.ts';

/** The verdict on one Game of 24 answer. */
export interface GameOf24Check {
  correct: boolean;
  reason: string;
  /** The arithmetic expression that was checked, when one was found. */
  expression: string | null;
  value: number | null;
}

type Token = { kind: 'number'; value: number; text: string } | { kind: 'op'; value: '+' | '-' | '*' | '/' } | { kind: 'open' } | { kind: 'close' };

class ExpressionError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) { i++; continue; }
    const number = /^\d+(?:\.\d+)?/.exec(text.slice(i));
    if (number !== null) {
      tokens.push({ kind: 'number', value: Number(number[0]), text: number[0] });
      i += number[0].length;
      continue;
    }
    if ('+'.includes(char)) tokens.push({ kind: 'op', value: '+' });
    else if ('-−–'.includes(char)) tokens.push({ kind: 'op', value: '-' });
    else if ('*×xX·∙'.includes(char)) tokens.push({ kind: 'op', value: '*' });
    else if ('/÷'.includes(char)) tokens.push({ kind: 'op', value: '/' });
    else if ('([{'.includes(char)) tokens.push({ kind: 'open' });
    else if (')]}'.includes(char)) tokens.push({ kind: 'close' });
    else throw new ExpressionError(`unexpected character "${char}"`);
    i++;
  }
  return tokens;
}

/** Recursive-descent parser and evaluator over + - * / and brackets; numbers are recorded as they are used. */
function evaluate(tokens: Token[], used: number[]): number {
  let position = 0;
  const peek = () => tokens[position];
  const expression = (): number => {
    let value = term();
    for (let token = peek(); token?.kind === 'op' && (token.value === '+' || token.value === '-'); token = peek()) {
      position++;
      const right = term();
      value = token.value === '+' ? value + right : value - right;
    }
    return value;
  };
  const term = (): number => {
    let value = factor();
    for (let token = peek(); token?.kind === 'op' && (token.value === '*' || token.value === '/'); token = peek()) {
      position++;
      const right = factor();
      if (token.value === '/' && right === 0) throw new ExpressionError('division by zero');
      value = token.value === '*' ? value * right : value / right;
    }
    return value;
  };
  const factor = (): number => {
    const token = peek();
    if (token === undefined) throw new ExpressionError('the expression ends too early');
    position++;
    if (token.kind === 'number') {
      used.push(token.value);
      return token.value;
    }
    if (token.kind === 'open') {
      const value = expression();
      if (peek()?.kind !== 'close') throw new ExpressionError('a bracket is not closed');
      position++;
      return value;
    }
    if (token.kind === 'op' && token.value === '-') throw new ExpressionError('unary minus is not allowed');
    throw new ExpressionError('an operator is missing an operand');
  };
  const value = expression();
  if (position < tokens.length) throw new ExpressionError('unexpected text after the expression');
  return value;
}

/** Cleans an answer down to the expression: LaTeX operators, "= 24" on either side, wrappers. */
function candidateExpressions(answer: string): string[] {
  let text = stripAnswerWrappers(answer)
    .replace(/\\times|\\cdot/g, '*').replace(/\\div/g, '/').replace(/\\left|\\right/g, '')
    .replace(/\\[dt]?frac\s*\{([^{}]+)\}\s*\{([^{}]+)\}/g, '(($1)/($2))');
  const sides = text.split(/=|≈/).map((side) => side.trim()).filter((side) => side !== '' && !/^24(?:\.0+)?$/.test(side));
  text = sides.length === 1 ? sides[0]! : text;
  const candidates = [text];
  // Only prose around an expression is cut away; a text that is all arithmetic stands or falls as a whole.
  if (/^[\d\s+\-−–*×xX·∙/÷()[\]{}.]*$/.test(text)) return candidates;
  const spans = [...text.matchAll(/[\d([{][\d\s+\-−–*×xX·∙/÷()[\]{}.]*[\d)\]}]/g)].map((m) => m[0].trim());
  candidates.push(...spans.sort((a, b) => b.length - a.length));
  return [...new Set(candidates)];
}

const sameMultiset = (a: number[], b: number[]): boolean => {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((value, index) => value === y[index]);
};

/**
 * Checks a Game of 24 answer without `eval`: the answer must be an arithmetic expression (+ - × ÷, brackets)
 * that uses each of the four given numbers exactly once and equals 24 (within 1e-9, so 8/(3-8/3) counts).
 * Any valid expression is correct, not only the reference one.
 */
export function checkGameOf24(answer: string, numbers: readonly number[]): GameOf24Check {
  let firstError = 'no arithmetic expression found in the answer';
  const candidates = candidateExpressions(answer);
  for (const candidate of candidates) {
    const used: number[] = [];
    let value: number;
    try {
      value = evaluate(tokenize(candidate), used);
    } catch (error) {
      if (error instanceof ExpressionError && candidate === candidates[0]) firstError = `invalid expression: ${error.message}`;
      continue;
    }
    if (!sameMultiset(used, [...numbers])) {
      return { correct: false, expression: candidate, value, reason: `uses the numbers [${used.join(', ')}], not each of [${numbers.join(', ')}] exactly once` };
    }
    if (Math.abs(value - 24) > 1e-9) return { correct: false, expression: candidate, value, reason: `${candidate} = ${+value.toFixed(6)}, not 24` };
    return { correct: true, expression: candidate, value, reason: `${candidate} = 24 using each number once` };
  }
  return { correct: false, expression: null, value: null, reason: firstError };
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
