import type { TextSegment } from './extract-text.ts';

export interface Passage {
  text: string;
  /** "lines 3-17", "page 2", "page 2, part 3". */
  location: string;
}

/**
 * Cuts segments into passages of about `targetChars` characters on paragraph and line boundaries (a line
 * longer than the target is cut on word boundaries), each with its location in the document.
 */
export function chunkSegments(segments: readonly TextSegment[], targetChars = 900): Passage[] {
  const passages: Passage[] = [];
  for (const segment of segments) {
    if (segment.unit === 'page') {
      const parts = splitLines(segment.text.split('\n'), 1, targetChars).map((part) => part.text);
      parts.forEach((text, index) =>
        passages.push({ text, location: parts.length === 1 ? `page ${segment.start}` : `page ${segment.start}, part ${index + 1}` }),
      );
    } else {
      for (const part of splitLines(segment.text.split('\n'), segment.start, targetChars)) {
        passages.push({ text: part.text, location: part.first === part.last ? `line ${part.first}` : `lines ${part.first}-${part.last}` });
      }
    }
  }
  return passages.filter((passage) => passage.text.trim() !== '');
}

function splitLines(lines: string[], firstLine: number, targetChars: number): Array<{ text: string; first: number; last: number }> {
  const out: Array<{ text: string; first: number; last: number }> = [];
  let buffer: string[] = [];
  let bufferChars = 0;
  let first = firstLine;
  const flush = (last: number) => {
    const text = buffer.join('\n').trim();
    if (text !== '') out.push({ text, first, last });
    buffer = [];
    bufferChars = 0;
  };
  lines.forEach((line, index) => {
    const number = firstLine + index;
    if (buffer.length === 0) first = number;
    if (line.length > targetChars) {
      if (buffer.length > 0) flush(number - 1);
      for (const piece of splitWords(line, targetChars)) out.push({ text: piece, first: number, last: number });
      return;
    }
    const paragraphBreak = line.trim() === '' && bufferChars > targetChars / 2;
    if (bufferChars + line.length > targetChars || paragraphBreak) {
      flush(number - 1);
      first = number;
    }
    buffer.push(line);
    bufferChars += line.length + 1;
  });
  flush(firstLine + lines.length - 1);
  return out;
}

function splitWords(line: string, targetChars: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const word of line.split(/\s+/)) {
    if (current.length + word.length + 1 > targetChars && current !== '') {
      pieces.push(current);
      current = '';
    }
    current = current === '' ? word.slice(0, targetChars * 2) : `${current} ${word}`;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}
