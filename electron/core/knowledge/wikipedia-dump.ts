import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { InflowError } from '../errors.ts';
import { chunkSegments } from './chunk-text.ts';
import type { IndexOptions, IndexStats, KnowledgeIndex } from './knowledge-index.ts';

/**
 * Imports an offline Wikipedia dump into the knowledge index, where the Wikipedia tool searches it when it
 * may not go online. Format (docs/agent.md): JSON Lines, optionally gzipped (`.jsonl` / `.jsonl.gz`), one
 * article per line: `{"title": "Ada Lovelace", "text": "Augusta Ada King ...", "url": "https://..."}`
 * (`url` optional). Re-importing the same file is incremental: unchanged articles are skipped, changed ones
 * replaced, missing ones removed. A malformed line is reported with its line number and skipped.
 */
export async function importWikipediaDump(index: KnowledgeIndex, file: string, options: IndexOptions = {}): Promise<IndexStats> {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved))
    throw new InflowError('KNOWLEDGE_DUMP_NOT_FOUND', `The dump ${resolved} does not exist.`, {
      hint: 'Give a .jsonl or .jsonl.gz file with one {"title", "text"} object per line.',
    });
  const started = performance.now();
  const source = index.addSource('wikipedia', resolved);
  if (source.kind !== 'wikipedia') throw new InflowError('KNOWLEDGE_SOURCE_CONFLICT', `${resolved} is already added as a ${source.kind}.`);
  const known = index.documentsOf(source.id);
  const stats: IndexStats = { added: 0, updated: 0, removed: 0, unchanged: 0, failed: [], passages: 0, durationMs: 0 };
  let input: NodeJS.ReadableStream = fs.createReadStream(resolved);
  if (resolved.endsWith('.gz')) input = input.pipe(zlib.createGunzip());
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  const seen = new Set<string>();
  for await (const line of lines) {
    lineNumber++;
    options.signal?.throwIfAborted();
    if (line.trim() === '') continue;
    let article: { title?: unknown; text?: unknown };
    try {
      article = JSON.parse(line) as typeof article;
    } catch {
      stats.failed.push({ path: `${resolved}:${lineNumber}`, error: 'not valid JSON' });
      continue;
    }
    if (typeof article.title !== 'string' || typeof article.text !== 'string' || article.title.trim() === '') {
      stats.failed.push({ path: `${resolved}:${lineNumber}`, error: 'needs string fields "title" and "text"' });
      continue;
    }
    const title = article.title.trim();
    seen.add(title);
    const hash = crypto.createHash('sha256').update(article.text).digest('hex');
    const existing = known.get(title);
    if (existing?.content_hash === hash) {
      stats.unchanged++;
      continue;
    }
    const passages = chunkSegments([{ text: article.text, start: 1, unit: 'line' }]);
    index.writeDocument(source.id, { path: title, title, size: article.text.length, mtimeMs: 0, hash }, passages);
    stats.passages += passages.length;
    if (existing) stats.updated++;
    else stats.added++;
    if (lineNumber % 1000 === 0) options.onProgress?.({ done: lineNumber, total: 0, path: title });
  }
  stats.removed += index.finishIndexing(
    source.id,
    [...known].filter(([title]) => !seen.has(title)).map(([, row]) => row.id),
  );
  stats.durationMs = performance.now() - started;
  return stats;
}
