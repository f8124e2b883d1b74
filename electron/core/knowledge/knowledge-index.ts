import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { defaults } from '../contract/defaults.ts';
import { InflowError } from '../errors.ts';
import type { Database } from '../store/database.ts';
import { chunkSegments, type Passage } from './chunk-text.ts';
import { decodeVector, dot, encodeVector, type Embedder } from './embedder.ts';
import { extractText, listSupportedFiles } from './extract-text.ts';
import { ftsQuery } from './fts-query.ts';

export interface KnowledgeSource {
  id: number;
  kind: 'folder' | 'wikipedia';
  path: string;
  addedAt: number;
  indexedAt: number | null;
  documents: number;
  passages: number;
}

export interface IndexStats {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  failed: Array<{ path: string; error: string }>;
  passages: number;
  durationMs: number;
}

export interface KnowledgeHit {
  passageId: number;
  text: string;
  title: string;
  /** The file (or article title) the passage is from. */
  source: string;
  location: string;
  sourceKind: string;
  /** Higher is better (negated BM25). */
  score: number;
}

export interface IndexOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number; path: string }) => void;
}

const maxFileBytes = 50 * 1024 * 1024;

/**
 * Search over the user's folders (txt, md, html, pdf) and imported Wikipedia dumps: passages with their source
 * and location in SQLite FTS5, ranked by BM25. Re-indexing is incremental: a file whose size and mtime are
 * unchanged is skipped, one whose content hash is unchanged only gets its mtime updated, a deleted file's
 * passages are removed.
 */
export class KnowledgeIndex {
  readonly db: Database;
  private embedder: Embedder | null;

  /** With an `embedder`, new passages get vectors and `searchHybrid` fuses BM25 with vector similarity. */
  constructor(db: Database, options: { embedder?: Embedder } = {}) {
    this.db = db;
    this.embedder = options.embedder ?? null;
  }

  setEmbedder(embedder: Embedder | null): void {
    this.embedder = embedder;
  }

  /** Adds a folder (or returns the existing source for it). Throws KNOWLEDGE_FOLDER_NOT_FOUND. */
  addFolder(folder: string): KnowledgeSource {
    const resolved = path.resolve(folder);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(resolved);
    } catch {
      throw new InflowError('KNOWLEDGE_FOLDER_NOT_FOUND', `The folder ${resolved} does not exist.`, {
        hint: 'Give the path of an existing folder with .txt, .md, .html or .pdf files.',
      });
    }
    if (!stat.isDirectory())
      throw new InflowError('KNOWLEDGE_FOLDER_INVALID', `${resolved} is a file, not a folder.`, { hint: 'Give the folder that contains it.' });
    return this.addSource('folder', resolved);
  }

  /** Adds a source of this kind at this resolved path, or returns the existing one. */
  addSource(kind: KnowledgeSource['kind'], resolved: string): KnowledgeSource {
    this.db
      .prepare('INSERT INTO knowledge_sources (kind, path, added_at) VALUES (?, ?, ?) ON CONFLICT (path) DO NOTHING')
      .run(kind, resolved, Date.now());
    return this.getSource(resolved)!;
  }

  /** The documents indexed from a source, by path (size, modification time and content hash decide re-indexing). */
  documentsOf(sourceId: number): Map<string, { id: number; path: string; size: number; mtime_ms: number; content_hash: string }> {
    return new Map(
      (
        this.db.prepare('SELECT id, path, size, mtime_ms, content_hash FROM knowledge_documents WHERE source_id = ?').all(sourceId) as Array<{
          id: number;
          path: string;
          size: number;
          mtime_ms: number;
          content_hash: string;
        }>
      ).map((row) => [row.path, row]),
    );
  }

  /** Removes documents that left their source, and records when the source was indexed. */
  finishIndexing(sourceId: number, goneDocumentIds: Iterable<number>): number {
    const remove = this.db.prepare('DELETE FROM knowledge_documents WHERE id = ?');
    let removed = 0;
    for (const id of goneDocumentIds) {
      remove.run(id);
      removed++;
    }
    this.db.prepare('UPDATE knowledge_sources SET indexed_at = ? WHERE id = ?').run(Date.now(), sourceId);
    return removed;
  }

  getSource(idOrPath: number | string): KnowledgeSource | undefined {
    const where = typeof idOrPath === 'number' ? 's.id = ?' : 's.path = ?';
    const key = typeof idOrPath === 'number' ? idOrPath : path.resolve(idOrPath);
    const row = this.db.prepare(`${sourceSelect} WHERE ${where} GROUP BY s.id`).get(key) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : toSource(row);
  }

  listSources(): KnowledgeSource[] {
    return (this.db.prepare(`${sourceSelect} GROUP BY s.id ORDER BY s.id`).all() as Record<string, unknown>[]).map(toSource);
  }

  /** Removes a source and everything indexed from it. Returns whether it existed. */
  removeSource(idOrPath: number | string): boolean {
    const source = this.getSource(idOrPath);
    if (source === undefined) return false;
    this.db.prepare('DELETE FROM knowledge_sources WHERE id = ?').run(source.id);
    return true;
  }

  /** Total passages in the index. */
  passageCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM knowledge_passages').get() as { n: number }).n;
  }

  /** Re-indexes a folder source incrementally. */
  async indexFolder(source: KnowledgeSource, options: IndexOptions = {}): Promise<IndexStats> {
    const started = performance.now();
    const stats: IndexStats = { added: 0, updated: 0, removed: 0, unchanged: 0, failed: [], passages: 0, durationMs: 0 };
    const files = listSupportedFiles(source.path);
    const known = this.documentsOf(source.id);
    let done = 0;
    for (const file of files) {
      options.signal?.throwIfAborted();
      options.onProgress?.({ done: done++, total: files.length, path: file });
      const existing = known.get(file);
      known.delete(file);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        continue;
      }
      if (existing && existing.size === stat.size && existing.mtime_ms === Math.floor(stat.mtimeMs)) {
        stats.unchanged++;
        continue;
      }
      if (stat.size > maxFileBytes) {
        stats.failed.push({ path: file, error: `larger than ${maxFileBytes / 1024 / 1024} MB` });
        continue;
      }
      try {
        const bytes = fs.readFileSync(file);
        const hash = crypto.createHash('sha256').update(bytes).digest('hex');
        if (existing && existing.content_hash === hash) {
          this.db.prepare('UPDATE knowledge_documents SET size = ?, mtime_ms = ? WHERE id = ?').run(stat.size, Math.floor(stat.mtimeMs), existing.id);
          stats.unchanged++;
          continue;
        }
        const { title, segments } = await extractText(file, bytes);
        const passages = chunkSegments(segments);
        const vectors = this.embedder
          ? await this.embedder.embed(
              passages.map((p) => p.text),
              options.signal,
            )
          : undefined;
        this.writeDocument(source.id, { path: file, title, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs), hash }, passages, vectors);
        stats.passages += passages.length;
        if (existing) stats.updated++;
        else stats.added++;
      } catch (error) {
        stats.failed.push({ path: file, error: InflowError.isInstance(error) ? error.message : String(error) });
      }
    }
    stats.removed += this.finishIndexing(
      source.id,
      [...known.values()].map((gone) => gone.id),
    );
    stats.durationMs = performance.now() - started;
    return stats;
  }

  /** Adds a folder and indexes it. */
  async addAndIndexFolder(folder: string, options: IndexOptions = {}): Promise<{ source: KnowledgeSource; stats: IndexStats }> {
    const source = this.addFolder(folder);
    const stats = await this.indexFolder(source, options);
    return { source: this.getSource(source.id)!, stats };
  }

  /** Re-indexes every folder source (incremental). */
  async refresh(options: IndexOptions = {}): Promise<IndexStats[]> {
    const results: IndexStats[] = [];
    for (const source of this.listSources()) if (source.kind === 'folder') results.push(await this.indexFolder(source, options));
    return results;
  }

  /**
   * Replaces one document's passages in a transaction. Also used by the Wikipedia dump import
   * (sourceKind 'wikipedia', path = article title).
   */
  writeDocument(
    sourceId: number,
    document: { path: string; title: string; size: number; mtimeMs: number; hash: string },
    passages: readonly Passage[],
    vectors?: readonly Float32Array[],
  ): void {
    const write = this.db.transaction(() => {
      this.db.prepare('DELETE FROM knowledge_documents WHERE source_id = ? AND path = ?').run(sourceId, document.path);
      const info = this.db
        .prepare(
          `INSERT INTO knowledge_documents (source_id, path, title, size, mtime_ms, content_hash, indexed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(sourceId, document.path, document.title, document.size, document.mtimeMs, document.hash, Date.now());
      const insert = this.db.prepare('INSERT INTO knowledge_passages (document_id, idx, location, text, embedding) VALUES (?, ?, ?, ?, ?)');
      passages.forEach((passage, index) => {
        const vector = vectors?.[index];
        insert.run(info.lastInsertRowid, index, passage.location, passage.text, vector ? encodeVector(vector) : null);
      });
    });
    write();
  }

  /** The best passages for a query by BM25 (porter-stemmed words, any of them). */
  search(query: string, options: { limit?: number; sourceKind?: 'folder' | 'wikipedia' } = {}): KnowledgeHit[] {
    const match = ftsQuery(query, { skip: this.commonTerms(query) });
    if (match === undefined) return [];
    const limit = Math.min(Math.max(1, options.limit ?? defaults.knowledgeSearchHits), 50);
    const rows = this.db
      .prepare(
        `
      SELECT p.id AS passage_id, p.text, p.location, d.title, d.path AS document_path, s.kind AS source_kind, bm25(knowledge_fts) AS rank
      FROM knowledge_fts
      JOIN knowledge_passages p ON p.id = knowledge_fts.rowid
      JOIN knowledge_documents d ON d.id = p.document_id
      JOIN knowledge_sources s ON s.id = d.source_id
      WHERE knowledge_fts MATCH @match ${options.sourceKind ? 'AND s.kind = @kind' : ''}
      ORDER BY rank LIMIT @limit`,
      )
      .all({ match, limit, ...(options.sourceKind ? { kind: options.sourceKind } : {}) }) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      passageId: row.passage_id as number,
      text: row.text as string,
      title: row.title as string,
      source: row.document_path as string,
      location: row.location as string,
      sourceKind: row.source_kind as string,
      score: -(row.rank as number),
    }));
  }

  /**
   * Query words found in more than a fifth of all passages (in a large index): they add almost nothing to
   * BM25 (their idf is near zero) but make FTS5 score most of the index, so they are left out of the query.
   */
  private commonTerms(query: string): Set<string> {
    const common = new Set<string>();
    const total = (this.db.prepare('SELECT max(id) AS n FROM knowledge_passages').get() as { n: number | null }).n ?? 0;
    if (total < 5000) return common;
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.knowledge_vocab USING fts5vocab(main, 'knowledge_fts', 'row')");
    const lookup = this.db.prepare('SELECT doc FROM temp.knowledge_vocab WHERE term = ?');
    for (const word of new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])) {
      const row = lookup.get(word) as { doc: number } | undefined;
      if (row !== undefined && row.doc > total / 5) common.add(word);
    }
    return common;
  }

  /** Gives vectors to passages that have none (indexed before an embedder was set). Returns how many. */
  async embedMissing(options: { signal?: AbortSignal; batch?: number } = {}): Promise<number> {
    if (this.embedder === null) return 0;
    const select = this.db.prepare('SELECT id, text FROM knowledge_passages WHERE embedding IS NULL LIMIT ?');
    const update = this.db.prepare('UPDATE knowledge_passages SET embedding = ? WHERE id = ?');
    let done = 0;
    for (;;) {
      const rows = select.all(options.batch ?? 64) as Array<{ id: number; text: string }>;
      if (rows.length === 0) return done;
      const vectors = await this.embedder.embed(
        rows.map((row) => row.text),
        options.signal,
      );
      this.db.transaction(() => rows.forEach((row, i) => update.run(encodeVector(vectors[i]!), row.id)))();
      done += rows.length;
    }
  }

  /**
   * BM25 and vector similarity fused by reciprocal rank (k = 60): the BM25 top candidates and the nearest
   * passages by cosine over all embedded passages. Without an embedder it is the BM25 search.
   */
  async searchHybrid(
    query: string,
    options: { limit?: number; sourceKind?: 'folder' | 'wikipedia'; signal?: AbortSignal } = {},
  ): Promise<KnowledgeHit[]> {
    const limit = Math.min(Math.max(1, options.limit ?? defaults.knowledgeSearchHits), 50);
    const lexical = this.search(query, { limit: Math.max(50, limit * 5), ...(options.sourceKind ? { sourceKind: options.sourceKind } : {}) });
    if (this.embedder === null || query.trim() === '') return lexical.slice(0, limit);
    const [queryVector] = await this.embedder.embed([query], options.signal);
    const nearest: Array<{ id: number; similarity: number }> = [];
    const rows = this.db.prepare(`SELECT p.id, p.embedding FROM knowledge_passages p JOIN knowledge_documents d ON d.id = p.document_id
      JOIN knowledge_sources s ON s.id = d.source_id WHERE p.embedding IS NOT NULL ${options.sourceKind ? 'AND s.kind = ?' : ''}`);
    for (const row of rows.iterate(...(options.sourceKind ? [options.sourceKind] : [])) as Iterable<{ id: number; embedding: Uint8Array }>) {
      nearest.push({ id: row.id, similarity: dot(queryVector!, decodeVector(row.embedding)) });
    }
    nearest.sort((a, b) => b.similarity - a.similarity);
    const fused = new Map<number, number>();
    lexical.forEach((hit, rank) => fused.set(hit.passageId, 1 / (60 + rank)));
    nearest.slice(0, Math.max(50, limit * 5)).forEach((hit, rank) => fused.set(hit.id, (fused.get(hit.id) ?? 0) + 1 / (60 + rank)));
    const best = [...fused].sort((a, b) => b[1] - a[1]).slice(0, limit);
    const byId = new Map(lexical.map((hit) => [hit.passageId, hit]));
    const fetch = this.db.prepare(`SELECT p.id, p.text, p.location, d.title, d.path, s.kind FROM knowledge_passages p
      JOIN knowledge_documents d ON d.id = p.document_id JOIN knowledge_sources s ON s.id = d.source_id WHERE p.id = ?`);
    return best.map(([id, score]) => {
      const known = byId.get(id);
      if (known) return { ...known, score };
      const row = fetch.get(id) as { id: number; text: string; location: string; title: string; path: string; kind: string };
      return { passageId: id, text: row.text, title: row.title, source: row.path, location: row.location, sourceKind: row.kind, score };
    });
  }
}

const sourceSelect = `SELECT s.*, count(DISTINCT d.id) AS documents,
  (SELECT count(*) FROM knowledge_passages p JOIN knowledge_documents d2 ON d2.id = p.document_id WHERE d2.source_id = s.id) AS passages
  FROM knowledge_sources s LEFT JOIN knowledge_documents d ON d.source_id = s.id`;

function toSource(row: Record<string, unknown>): KnowledgeSource {
  return {
    id: row.id as number,
    kind: row.kind as KnowledgeSource['kind'],
    path: row.path as string,
    addedAt: row.added_at as number,
    indexedAt: row.indexed_at as number | null,
    documents: row.documents as number,
    passages: row.passages as number,
  };
}
