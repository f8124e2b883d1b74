import { InflowError } from '../errors.ts';
import type { Database } from '../store/database.ts';
import { ftsQuery } from '../knowledge/fts-query.ts';
import { defaults } from '../contract/defaults.ts';

export type MemoryKind = 'fact' | 'preference';

export interface MemoryEntry {
  id: number;
  kind: MemoryKind;
  content: string;
  /** The run it came from (null when added by hand or when that run was deleted). */
  runId: string | null;
  createdAt: number;
  updatedAt: number;
}

const maxContentChars = defaults.memoryEntryMaxChars;

/**
 * Long-term memory: facts and preferences the user confirmed, kept across tasks in memory_entries and
 * searched with FTS5 (BM25) for each new question, so the agent knows them (runAgent's `knownFacts`).
 * Entries can be listed, edited and deleted; each keeps the run it came from.
 */
export class LongTermMemory {
  readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  add(input: { content: string; kind?: MemoryKind; runId?: string | null }): MemoryEntry {
    const content = checkContent(input.content);
    const kind = checkKind(input.kind ?? 'fact');
    if (input.runId != null && this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(input.runId) === undefined) {
      throw new InflowError('RUN_NOT_FOUND', `No run with id ${input.runId}.`, { hint: 'See `inflow runs list` for run ids.' });
    }
    const now = Date.now();
    const info = this.db
      .prepare('INSERT INTO memory_entries (kind, content, run_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(kind, content, input.runId ?? null, now, now);
    return this.get(Number(info.lastInsertRowid))!;
  }

  /** How many entries there are. */
  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM memory_entries').get() as { n: number }).n;
  }

  /**
   * The Memory screen's rows: entries with the question of the run each came from, newest first, or the entries
   * matching `search` (each word a prefix), best first; or the one entry `id`.
   */
  views(options: { search?: string; limit: number; offset: number } | { id: number }): Array<MemoryEntry & { runQuestion: string | null }> {
    const select = `SELECT m.*, t.question AS run_question FROM memory_entries m LEFT JOIN runs r ON r.id = m.run_id LEFT JOIN tasks t ON t.id = r.task_id`;
    const toView = (row: Record<string, unknown>) => ({ ...toEntry(row), runQuestion: row.run_question as string | null });
    if ('id' in options) return (this.db.prepare(`${select} WHERE m.id = ?`).all(options.id) as Record<string, unknown>[]).map(toView);
    const search = options.search?.trim() ?? '';
    if (search === '')
      return (
        this.db.prepare(`${select} ORDER BY m.updated_at DESC, m.id DESC LIMIT ? OFFSET ?`).all(options.limit, options.offset) as Record<
          string,
          unknown
        >[]
      ).map(toView);
    const query = search
      .split(/\s+/)
      .map((word) => `"${word.replace(/"/g, '""')}"*`)
      .join(' ');
    return (
      this.db
        .prepare(`${select} JOIN memory_fts f ON f.rowid = m.id WHERE memory_fts MATCH ? ORDER BY bm25(memory_fts) LIMIT ? OFFSET ?`)
        .all(query, options.limit, options.offset) as Record<string, unknown>[]
    ).map(toView);
  }

  get(id: number): MemoryEntry | undefined {
    const row = this.db.prepare('SELECT * FROM memory_entries WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  list(options: { kind?: MemoryKind; limit?: number; offset?: number } = {}): MemoryEntry[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM memory_entries ${options.kind ? 'WHERE kind = @kind' : ''} ORDER BY updated_at DESC, id DESC LIMIT @limit OFFSET @offset`,
      )
      .all({ limit: options.limit ?? 100, offset: options.offset ?? 0, ...(options.kind ? { kind: options.kind } : {}) }) as Record<
      string,
      unknown
    >[];
    return rows.map(toEntry);
  }

  /** Changes an entry's text or kind. Throws MEMORY_NOT_FOUND. */
  update(id: number, change: { content?: string; kind?: MemoryKind }): MemoryEntry {
    const existing = this.require(id);
    const content = change.content === undefined ? existing.content : checkContent(change.content);
    const kind = change.kind === undefined ? existing.kind : checkKind(change.kind);
    this.db.prepare('UPDATE memory_entries SET content = ?, kind = ?, updated_at = ? WHERE id = ?').run(content, kind, Date.now(), id);
    return this.get(id)!;
  }

  /** Deletes an entry. Throws MEMORY_NOT_FOUND. */
  remove(id: number): MemoryEntry {
    const existing = this.require(id);
    this.db.prepare('DELETE FROM memory_entries WHERE id = ?').run(id);
    return existing;
  }

  /** Entries matching a text, best first (BM25 over their words). */
  search(query: string, options: { limit?: number } = {}): Array<MemoryEntry & { score: number }> {
    const match = ftsQuery(query, { prefix: true });
    if (match === undefined) return [];
    const rows = this.db
      .prepare(
        `SELECT m.*, bm25(memory_fts) AS rank FROM memory_fts JOIN memory_entries m ON m.id = memory_fts.rowid
      WHERE memory_fts MATCH ? ORDER BY rank LIMIT ?`,
      )
      .all(match, options.limit ?? 10) as Record<string, unknown>[];
    return rows.map((row) => ({ ...toEntry(row), score: -(row.rank as number) }));
  }

  /**
   * What the agent should know for a question: matching entries, plus every preference (they apply to all
   * tasks), at most `limit`, as "fact" / "Preference: ..." lines.
   */
  relevantFacts(question: string, limit = 8): string[] {
    const preferences = this.list({ kind: 'preference', limit });
    const matches = this.search(question, { limit }).filter((entry) => entry.kind === 'fact');
    return [...preferences.map((entry) => `Preference: ${entry.content}`), ...matches.map((entry) => entry.content)].slice(0, limit);
  }

  private require(id: number): MemoryEntry {
    const entry = this.get(id);
    if (entry === undefined)
      throw new InflowError('MEMORY_NOT_FOUND', `No memory entry with id ${id}.`, { hint: 'See `inflow memory list` for ids.' });
    return entry;
  }
}

function checkContent(content: string): string {
  const trimmed = content.trim();
  if (trimmed === '')
    throw new InflowError('MEMORY_INVALID', 'A memory entry cannot be empty.', { hint: 'Write the fact or preference, e.g. "I live in Lyon".' });
  if (trimmed.length > maxContentChars)
    throw new InflowError('MEMORY_INVALID', `A memory entry is limited to ${maxContentChars} characters (this one has ${trimmed.length}).`, {
      hint: 'Split it into several short facts.',
    });
  return trimmed;
}

function checkKind(kind: string): MemoryKind {
  if (kind !== 'fact' && kind !== 'preference')
    throw new InflowError('MEMORY_INVALID', `Unknown memory kind "${kind}".`, { hint: 'Use "fact" or "preference".' });
  return kind;
}

function toEntry(row: Record<string, unknown>): MemoryEntry {
  return {
    id: row.id as number,
    kind: row.kind as MemoryKind,
    content: row.content as string,
    runId: row.run_id as string | null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}
