/**
 * Arithmetic without `eval`: a tokenizer and recursive-descent evaluator over numbers, + - * / and brackets
 * (shared by the Game of 24 checker and the numeric scorer), and LaTeX `\frac` expansion with nesting.
 */

export type Token =
  { kind: 'number'; value: number; text: string } | { kind: 'op'; value: '+' | '-' | '*' | '/' } | { kind: 'open' } | { kind: 'close' };

/** A text that is not a well-formed expression; the message says what is wrong. */
export class ExpressionError extends Error {}

/** The characters an arithmetic expression may be written with (× ÷ · and x for times, − – for minus). */
export const ARITHMETIC_CHARS = String.raw`\d\s+\-−–*×xX·∙/÷()[\]{}.`;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
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

/**
 * Evaluates tokens (+ - * / with the usual precedence, brackets); every number is pushed to `used` as it is
 * read. Unary minus is refused unless `unaryMinus` is set (a Game of 24 answer may not negate).
 */
export function evaluate(tokens: Token[], used: number[] = [], options: { unaryMinus?: boolean } = {}): number {
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
    if (token.kind === 'op' && token.value === '-') {
      if (options.unaryMinus === true) return -factor();
      throw new ExpressionError('unary minus is not allowed');
    }
    throw new ExpressionError('an operator is missing an operand');
  };
  const value = expression();
  if (position < tokens.length) throw new ExpressionError('unexpected text after the expression');
  return value;
}

/** The content of the brace group opening at `start` (text[start] === '{') and the index after it; null when unbalanced. */
function braceGroup(text: string, start: number): { content: string; end: number } | null {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') {
      depth--;
      if (depth === 0) return { content: text.slice(start + 1, i), end: i + 1 };
    }
  }
  return null;
}

/**
 * Rewrites every `\frac{a}{b}` (also `\dfrac`, `\tfrac`, nested to any depth, e.g. `\frac{\frac{1}{2}}{3}`) as
 * `((a)/(b))`; `\frac12` (single digits) as `((1)/(2))`. A `\frac` whose braces do not balance is left as it is.
 */
export function expandLatexFractions(text: string): string {
  let result = '';
  let i = 0;
  while (i < text.length) {
    const match = /^\\[dt]?frac\s*/.exec(text.slice(i));
    if (match === null) {
      result += text[i];
      i++;
      continue;
    }
    const after = i + match[0].length;
    const digits = /^(\d)(\d)/.exec(text.slice(after));
    if (text[after] !== '{' && digits !== null) {
      result += `((${digits[1]})/(${digits[2]}))`;
      i = after + 2;
      continue;
    }
    const numerator = text[after] === '{' ? braceGroup(text, after) : null;
    const gap = numerator === null ? -1 : numerator.end + (/^\s*/.exec(text.slice(numerator.end))?.[0].length ?? 0);
    const denominator = numerator !== null && text[gap] === '{' ? braceGroup(text, gap) : null;
    if (numerator === null || denominator === null) {
      result += match[0];
      i = after;
      continue;
    }
    result += `((${expandLatexFractions(numerator.content)})/(${expandLatexFractions(denominator.content)}))`;
    i = denominator.end;
  }
  return result;
}
