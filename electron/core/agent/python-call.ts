/**
 * Reads the executor's Python command in the `agentflow` profile without running Python: the calls
 * `execution = tool.execute(key=value, ...)` with literal arguments (strings including triple-quoted, raw and
 * implicitly concatenated ones, numbers, True/False/None, lists, tuples, dicts) and names bound by earlier
 * simple assignments (`query = "..."`). Unlike the reference, a call may span several lines, and blocks
 * share the names assigned before them.
 */
export interface ParsedToolCall {
  /** Keyword arguments, with positional ones under `$0`, `$1`, ... */
  args: Record<string, unknown>;
  /** The source text of the call statement. */
  source: string;
}

export interface ParsedCommand {
  calls: ParsedToolCall[];
  /** Statements that looked like tool calls but could not be read, with why. */
  errors: string[];
}

class ParseError extends Error {}

export function parseToolCommand(command: string): ParsedCommand {
  const names = new Map<string, unknown>();
  const calls: ParsedToolCall[] = [];
  const errors: string[] = [];
  const parser = new Parser(command, names);
  while (!parser.done()) {
    const start = parser.position;
    try {
      const statement = parser.statement();
      if (statement?.call) calls.push({ args: statement.call, source: command.slice(start, parser.position).trim() });
    } catch (error) {
      const line = command.slice(start, command.indexOf('\n', start) < 0 ? undefined : command.indexOf('\n', start)).trim();
      if (/tool\s*\.\s*execute/.test(line)) errors.push(`${(error as Error).message} in: ${line.slice(0, 200)}`);
      parser.skipLine();
    }
  }
  return { calls, errors };
}

class Parser {
  position = 0;
  /** Depth of open brackets: inside them, newlines do not end an expression. */
  private inBrackets = 0;
  private readonly text: string;
  private readonly names: Map<string, unknown>;

  constructor(text: string, names: Map<string, unknown>) {
    this.text = text;
    this.names = names;
  }

  done(): boolean {
    this.skipBlankAndComments();
    return this.position >= this.text.length;
  }

  skipLine(): void {
    const next = this.text.indexOf('\n', this.position);
    this.position = next < 0 ? this.text.length : next + 1;
  }

  /** `name = expression` or a bare expression; returns the call arguments when it is a tool call. */
  statement(): { call?: Record<string, unknown> } | undefined {
    const assignment = /^([A-Za-z_]\w*)\s*=(?!=)\s*/.exec(this.text.slice(this.position));
    let target: string | undefined;
    if (assignment) {
      target = assignment[1];
      this.position += assignment[0].length;
    }
    const call = this.tryToolCall();
    if (call) {
      this.endOfStatement();
      return { call };
    }
    if (target === undefined) throw new ParseError('not an assignment or tool call');
    const value = this.expression();
    this.endOfStatement();
    this.names.set(target, value);
    return undefined;
  }

  private tryToolCall(): Record<string, unknown> | undefined {
    const match = /^tool\s*\.\s*execute\s*\(/.exec(this.text.slice(this.position));
    if (!match) return undefined;
    this.position += match[0].length;
    const args: Record<string, unknown> = {};
    let positional = 0;
    for (;;) {
      this.skipSpace(true);
      if (this.peek() === ')') {
        this.position++;
        return args;
      }
      const keyword = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(this.text.slice(this.position));
      if (keyword) {
        this.position += keyword[0].length;
        this.skipSpace(true);
        args[keyword[1]!] = this.expression();
      } else args[`$${positional++}`] = this.expression();
      this.skipSpace(true);
      const next = this.peek();
      if (next === ',') {
        this.position++;
        continue;
      }
      if (next === ')') {
        this.position++;
        return args;
      }
      throw new ParseError(next === undefined ? 'the call is not closed' : `unexpected "${next}"`);
    }
  }

  private endOfStatement(): void {
    this.skipSpace(false);
    if (this.peek() === ';') this.position++;
    this.skipSpace(false);
    if (this.peek() === '#') this.skipLine();
    else if (this.peek() === '\n') this.position++;
    else if (this.position < this.text.length) throw new ParseError(`unexpected "${this.peek()}" after the statement`);
  }

  expression(): unknown {
    this.skipSpace(true);
    const char = this.peek();
    if (char === undefined) throw new ParseError('missing value');
    if (char === '[' || char === '(') return this.sequence(char === '[' ? ']' : ')');
    if (char === '{') return this.dict();
    const rest = this.text.slice(this.position);
    const stringStart = /^([rRbBuUfF]{0,2})(['"])/.exec(rest);
    if (stringStart) {
      let value = '';
      // Implicit concatenation: "a" "b"
      for (;;) {
        value += this.string();
        const save = this.position;
        this.skipSpace(this.inBrackets > 0);
        if (!/^([rRbBuUfF]{0,2})(['"])/.test(this.text.slice(this.position))) {
          this.position = save;
          break;
        }
      }
      return value;
    }
    const number = /^[-+]?(\d[\d_]*\.?[\d_]*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)/.exec(rest);
    if (number) {
      this.position += number[0].length;
      return Number(number[0].replaceAll('_', ''));
    }
    const name = /^[A-Za-z_]\w*/.exec(rest);
    if (name) {
      this.position += name[0].length;
      if (name[0] === 'True') return true;
      if (name[0] === 'False') return false;
      if (name[0] === 'None') return null;
      if (this.names.has(name[0])) return this.names.get(name[0]);
      throw new ParseError(`unknown name "${name[0]}"`);
    }
    throw new ParseError(`unexpected "${char}"`);
  }

  private sequence(close: string): unknown[] {
    this.position++;
    this.inBrackets++;
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace(true);
      if (this.peek() === close) {
        this.position++;
        this.inBrackets--;
        return items;
      }
      items.push(this.expression());
      this.skipSpace(true);
      if (this.peek() === ',') {
        this.position++;
        continue;
      }
      if (this.peek() === close) {
        this.position++;
        this.inBrackets--;
        return items;
      }
      throw new ParseError(`expected "," or "${close}"`);
    }
  }

  private dict(): Record<string, unknown> {
    this.position++;
    this.inBrackets++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace(true);
      if (this.peek() === '}') {
        this.position++;
        this.inBrackets--;
        return out;
      }
      const key = this.expression();
      this.skipSpace(true);
      if (this.peek() !== ':') throw new ParseError('expected ":" in a dict');
      this.position++;
      out[String(key)] = this.expression();
      this.skipSpace(true);
      if (this.peek() === ',') {
        this.position++;
        continue;
      }
      if (this.peek() === '}') {
        this.position++;
        this.inBrackets--;
        return out;
      }
      throw new ParseError('expected "," or "}"');
    }
  }

  private string(): string {
    const prefix = /^[rRbBuUfF]{0,2}/.exec(this.text.slice(this.position))![0];
    this.position += prefix.length;
    const raw = /r/i.test(prefix);
    const quote = this.text.startsWith(this.text[this.position]!.repeat(3), this.position)
      ? this.text[this.position]!.repeat(3)
      : this.text[this.position]!;
    this.position += quote.length;
    let value = '';
    while (this.position < this.text.length) {
      if (this.text.startsWith(quote, this.position)) {
        this.position += quote.length;
        return value;
      }
      const char = this.text[this.position]!;
      if (char === '\n' && quote.length === 1) throw new ParseError('a string is not closed on its line');
      if (char === '\\' && !raw) {
        const next = this.text[this.position + 1] ?? '';
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', '\n': '' };
        if (next in simple) {
          value += simple[next];
          this.position += 2;
          continue;
        }
        const hex = /^\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(this.text.slice(this.position));
        if (hex) {
          value += String.fromCodePoint(parseInt(hex[1]!.slice(1), 16));
          this.position += hex[0].length;
          continue;
        }
        value += char;
        this.position++;
        continue;
      }
      value += char;
      this.position++;
    }
    throw new ParseError('a string is not closed');
  }

  private peek(): string | undefined {
    return this.text[this.position];
  }

  private skipSpace(newlines: boolean): void {
    for (;;) {
      const char = this.text[this.position];
      if (char === ' ' || char === '\t' || char === '\r' || (newlines && char === '\n')) this.position++;
      else if (char === '\\' && this.text[this.position + 1] === '\n') this.position += 2;
      else if (newlines && char === '#') this.skipLine();
      else return;
    }
  }

  private skipBlankAndComments(): void {
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.position] === '#') this.skipLine();
      else return;
    }
  }
}
