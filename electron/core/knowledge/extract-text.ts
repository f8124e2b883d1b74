import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';

/** A piece of a document with where it is: lines of a text file, or a page of a PDF. */
export interface TextSegment {
  text: string;
  /** First line (1-based) for text files; page number for PDFs. */
  start: number;
  unit: 'line' | 'page';
}

export const supportedExtensions = new Set(['.txt', '.md', '.markdown', '.html', '.htm', '.pdf']);

/** Whether the knowledge index reads this file (by extension). */
export function isSupportedFile(file: string): boolean {
  return supportedExtensions.has(path.extname(file).toLowerCase());
}

/**
 * Text of a txt, md, html or pdf file, as segments that keep their location. HTML loses tags, scripts and
 * styles; PDFs are read page by page with unpdf. Throws KNOWLEDGE_FILE_UNREADABLE naming the file.
 */
export async function extractText(file: string, bytes?: Buffer): Promise<{ title: string; segments: TextSegment[] }> {
  const data = bytes ?? fs.readFileSync(file);
  const extension = path.extname(file).toLowerCase();
  const base = path.basename(file);
  try {
    if (extension === '.pdf') {
      const { extractText: pdfText, getDocumentProxy } = await import('unpdf');
      const pdf = await getDocumentProxy(new Uint8Array(data));
      const { text } = await pdfText(pdf, { mergePages: false });
      return { title: base, segments: text.map((page, index) => ({ text: page, start: index + 1, unit: 'page' as const })) };
    }
    const raw = data.toString('utf8');
    if (extension === '.html' || extension === '.htm') {
      const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(raw)?.[1]?.trim();
      return { title: title ? decodeEntities(title) : base, segments: [{ text: htmlToText(raw), start: 1, unit: 'line' }] };
    }
    const heading = /^#\s+(.+)$/m.exec(raw)?.[1]?.trim();
    return { title: extension === '.txt' ? base : heading ?? base, segments: [{ text: raw, start: 1, unit: 'line' }] };
  } catch (error) {
    throw new InflowError('KNOWLEDGE_FILE_UNREADABLE', `Could not read ${file}: ${(error as Error).message}`, { hint: 'Check that the file is a valid, unencrypted document.', cause: error });
  }
}

/** Visible text of an HTML page, one block element per line. */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style|noscript|template|svg)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(br|\/p|\/div|\/h[1-6]|\/li|\/tr|\/section|\/article|\/header|\/footer|\/blockquote|\/pre)\s*\/?>/gi, '\n')
      .replace(/<[^>]+>/g, ' '),
  )
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r]+/g, ' ').trim())
    .filter((line, index, lines) => line !== '' || (index > 0 && lines[index - 1] !== ''))
    .join('\n')
    .trim();
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', copy: '©' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1]?.toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : match;
    }
    return entities[entity.toLowerCase()] ?? match;
  });
}
