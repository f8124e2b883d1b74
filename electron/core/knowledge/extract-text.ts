import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { htmlTitle, htmlToText } from './html-text.ts';

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

/** Supported files under a folder, recursively, skipping hidden folders, node_modules and symbolic links. */
export function listSupportedFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (entry.isFile() && isSupportedFile(full)) out.push(full);
    }
  };
  walk(folder);
  return out;
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
      const title = htmlTitle(raw);
      return { title: title !== '' ? title : base, segments: [{ text: htmlToText(raw), start: 1, unit: 'line' }] };
    }
    const heading = /^#\s+(.+)$/m.exec(raw)?.[1]?.trim();
    return { title: extension === '.txt' ? base : (heading ?? base), segments: [{ text: raw, start: 1, unit: 'line' }] };
  } catch (error) {
    throw new InflowError('KNOWLEDGE_FILE_UNREADABLE', `Could not read ${file}: ${(error as Error).message}`, {
      hint: 'Check that the file is a valid, unencrypted document.',
      cause: error,
    });
  }
}
