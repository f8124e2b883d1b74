import type { Database } from '../store/database.ts';
import { InflowError } from '../errors.ts';
import type { MemoryEntryView } from '../contract/memory.ts';

const selectSql = `SELECT m.*, t.question AS run_question FROM memory_entries m
  LEFT JOIN runs r ON r.id = m.run_id LEFT JOIN tasks t ON t.id = r.task_id`;

/**
 * The Memory screen's view of long-term memory (table memory_entries with its FTS5 index): list and
 * search, add, edit, delete. Edits go through the table's triggers, so the agent's search sees them at once.
 */
export class MemoryService {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  list(options: { search?: string; limit?: number; offset?: number } = {}): MemoryEntryView[] {
    const limit = options.limit ?? 200;
    const offset = options.offset ?? 0;
    const search = options.search?.trim() ?? '';
    if (search === '') {
      return (this.db.prepare(`${selectSql} ORDER BY m.updated_at DESC, m.id DESC LIMIT ? OFFSET ?`).all(limit, offset) as Record<string, unknown>[]).map(toView);
    }
    const query = search.split(/\s+/).map((word) => `"${word.replace(/"/g, '""')}"*`).join(' ');
    return (this.db.prepare(`${selectSql} JOIN memory_fts f ON f.rowid = m.id WHERE memory_fts MATCH ? ORDER BY bm25(memory_fts) LIMIT ? OFFSET ?`)
      .all(query, limit, offset) as Record<string, unknown>[]).map(toView);
  }

  get(id: number): MemoryEntryView {
    const row = this.db.prepare(`${selectSql} WHERE m.id = ?`).get(id) as Record<string, unknown> | undefined;
    if (row === undefined) throw new InflowError('MEMORY_NOT_FOUND', `No memory entry ${id}.`, { hint: 'It may have been deleted already; refresh the list.' });
    return toView(row);
  }

  add(input: { content: string; kind?: 'fact' | 'preference' }): MemoryEntryView {
    const now = Date.now();
    const info = this.db.prepare('INSERT INTO memory_entries (kind, content, created_at, updated_at) VALUES (?, ?, ?, ?)').run(input.kind ?? 'fact', input.content, now, now);
    return this.get(Number(info.lastInsertRowid));
  }

  update(input: { id: number; content: string; kind?: 'fact' | 'preference' }): MemoryEntryView {
    const current = this.get(input.id);
    this.db.prepare('UPDATE memory_entries SET content = ?, kind = ?, updated_at = ? WHERE id = ?').run(input.content, input.kind ?? current.kind, Date.now(), input.id);
    return this.get(input.id);
  }

  remove(id: number): { removed: boolean } {
    return { removed: this.db.prepare('DELETE FROM memory_entries WHERE id = ?').run(id).changes > 0 };
  }
}

function toView(row: Record<string, unknown>): MemoryEntryView {
  return {
    id: row.id as number,
    kind: row.kind as MemoryEntryView['kind'],
    content: row.content as string,
    runId: row.run_id as string | null,
    runQuestion: row.run_question as string | null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}
