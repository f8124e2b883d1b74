import type { Database } from './database.ts';

/** The `settings` table: one row per dotted key (`privacy.networkTools`, `profile`) holding JSON text. */
export class SettingsStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Every stored key with its JSON text. */
  readAll(): Map<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  /** Writes the keys' values (as JSON) in one transaction. */
  writeAll(entries: ReadonlyArray<[string, unknown]>): void {
    const upsert = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [key, value] of entries) upsert.run(key, JSON.stringify(value));
    })();
  }
}
