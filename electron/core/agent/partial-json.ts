/**
 * Parses JSON that may have been cut off (a generation that hit its token limit) by closing whatever is open:
 * an unterminated string is closed, a dangling key gets `null`, a partial literal or number becomes `null`,
 * open arrays and objects are closed. Returns undefined only when no JSON value starts in the text.
 */
export function parsePartialJson(text: string): unknown {
  const start = text.search(/[{[]/);
  if (start < 0) return undefined;
  const body = text.slice(start);
  try {
    return JSON.parse(body);
  } catch {
    // fall through to repair
  }
  const repaired = repair(body);
  try {
    return JSON.parse(repaired);
  } catch {
    return undefined;
  }
}

type Frame = { kind: 'object'; expect: 'key' | 'colon' | 'value' | 'comma' } | { kind: 'array'; expect: 'value' | 'comma' };

function repair(text: string): string {
  const stack: Frame[] = [];
  let out = '';
  let index = 0;
  const afterValue = () => {
    const top = stack.at(-1);
    if (top) top.expect = 'comma';
  };
  while (index < text.length) {
    const char = text[index]!;
    const top = stack.at(-1);
    if (/\s/.test(char)) {
      out += char;
      index++;
      continue;
    }
    if (char === '"') {
      const end = scanString(text, index);
      if (end < 0) {
        // Unterminated string: close it (dropping a dangling escape).
        let partial = text.slice(index);
        partial = partial.replace(/\\u[0-9a-fA-F]{0,3}$/, '').replace(/(^|[^\\])(\\\\)*\\$/, (m) => m.slice(0, -1));
        out += `${partial}"`;
        if (top?.kind === 'object' && top.expect === 'key') out += ':null';
        index = text.length;
        if (top) top.expect = 'comma';
        break;
      }
      out += text.slice(index, end + 1);
      index = end + 1;
      if (top?.kind === 'object' && top.expect === 'key') top.expect = 'colon';
      else afterValue();
      continue;
    }
    if (char === ':') {
      out += char;
      index++;
      if (top?.kind === 'object') top.expect = 'value';
      continue;
    }
    if (char === ',') {
      out += char;
      index++;
      if (top) top.expect = top.kind === 'object' ? 'key' : 'value';
      continue;
    }
    if (char === '{') {
      out += char;
      index++;
      stack.push({ kind: 'object', expect: 'key' });
      continue;
    }
    if (char === '[') {
      out += char;
      index++;
      stack.push({ kind: 'array', expect: 'value' });
      continue;
    }
    if (char === '}' || char === ']') {
      out += char;
      index++;
      stack.pop();
      afterValue();
      continue;
    }
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(index));
    const rest = text.slice(index);
    if (literal && (literal[0].length < rest.length || /^(true|false|null)$/.test(literal[0]))) {
      out += literal[0];
      index += literal[0].length;
      afterValue();
      continue;
    }
    // A partial literal at the end (tru, -, 1., 1e) or garbage: stop here.
    break;
  }
  out = out.trimEnd();
  for (let i = stack.length - 1; i >= 0; i--) {
    const frame = stack[i]!;
    out = out.trimEnd();
    if (frame.kind === 'object') {
      if (frame.expect === 'colon') out += ':null';
      else if (frame.expect === 'value') out += 'null';
      else if (frame.expect === 'key' && out.endsWith(',')) out = out.slice(0, -1);
      out += '}';
    } else {
      if (out.endsWith(',')) out = out.slice(0, -1);
      out += ']';
    }
    const parent = stack[i - 1];
    if (parent) parent.expect = 'comma';
  }
  return out;
}

/** Index of the closing quote of the string starting at `start`, or -1 when it never closes. */
function scanString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (char === '"') return i;
  }
  return -1;
}
