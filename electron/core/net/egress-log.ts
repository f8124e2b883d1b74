import type { Database } from '../store/database.ts';
import type { EgressView } from '../contract/network.ts';

/** One logged request: the contract's view of it (the renderer reads the same shape). */
export type EgressEntry = EgressView;

export type EgressStart = Pick<EgressEntry, 'at' | 'feature' | 'host' | 'method' | 'outcome' | 'bytesOut'> & { detail?: string | null };
export type EgressFinish = Partial<Pick<EgressEntry, 'outcome' | 'status' | 'bytesIn' | 'detail'>>;

/** Rows kept: older ones are deleted as new ones come (checked every `pruneEvery` rows). */
export const egressRetention = { keepRows: 20_000, pruneEvery: 500 } as const;

/** Where the network module writes what it did: the `egress` table (migration 0060), the newest rows kept. */
export class EgressLog {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  start(entry: EgressStart): number {
    const result = this.db
      .prepare('INSERT INTO egress (at, feature, host, method, outcome, bytes_out, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(entry.at, entry.feature, entry.host, entry.method, entry.outcome, entry.bytesOut, entry.detail ?? null);
    const id = Number(result.lastInsertRowid);
    if (id % egressRetention.pruneEvery === 0) this.db.prepare('DELETE FROM egress WHERE id <= ?').run(id - egressRetention.keepRows);
    return id;
  }

  finish(id: number, update: EgressFinish): void {
    if (!this.db.open) return;
    this.db
      .prepare(
        `UPDATE egress SET outcome = coalesce(?, outcome), status = coalesce(?, status), bytes_in = coalesce(?, bytes_in),
      detail = coalesce(?, detail) WHERE id = ?`,
      )
      .run(update.outcome ?? null, update.status ?? null, update.bytesIn ?? null, update.detail ?? null, id);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM egress').get() as { n: number }).n;
  }

  /** Newest first. */
  list(options: { limit?: number; since?: number } = {}): EgressEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM egress WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?')
      .all(options.since ?? 0, options.limit ?? 200) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      id: row.id as number,
      at: row.at as number,
      feature: row.feature as EgressEntry['feature'],
      host: row.host as string,
      method: row.method as string,
      outcome: row.outcome as EgressEntry['outcome'],
      status: (row.status as number | null) ?? null,
      bytesOut: row.bytes_out as number,
      bytesIn: row.bytes_in as number,
      detail: (row.detail as string | null) ?? null,
    }));
  }
}
