import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { InflowError } from '../errors.ts';
import { latestSchemaVersion, migrations } from './migrations/index.ts';

export type Database = SqliteDatabase;

const require = createRequire(import.meta.url);

export interface OpenDatabaseOptions {
  /** Open without writing (no migrations); fails if the file does not exist. */
  readonly?: boolean;
  /** How long to wait for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) Inflow's SQLite database: WAL, foreign keys on, migrated to the latest schema.
 * A database written by a newer Inflow, a corrupt file, or one locked by another process is refused with an
 * InflowError naming the file and what to do; the file itself is never modified in those cases.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  if (Number(process.versions.napi) < 10) {
    throw new InflowError('NODE_TOO_OLD', `Inflow needs Node.js 24 or newer (Node-API 10); this is Node ${process.versions.node}.`, {
      hint: 'Run it through the npm scripts (npm test, npm run inflow -- ...) or bin/inflow.js, which use the project\'s Node 24.',
    });
  }
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    throw translateSqliteError(error, file);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    checkReadable(db, file);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db, file);
    else refuseFuture(db, file);
    return db;
  } catch (error) {
    db.close();
    throw translateSqliteError(error, file);
  }
}

function checkReadable(db: Database, file: string): void {
  // Touches the header and schema: a non-database or corrupt file fails here, before anything is written.
  db.prepare('SELECT count(*) FROM sqlite_schema').get();
  const result = db.pragma('quick_check', { simple: true });
  if (result !== 'ok') {
    throw new InflowError('DB_CORRUPT', `The database ${file} is damaged (${String(result)}).`, {
      hint: 'Restore it from a backup, or move it aside and Inflow will start a fresh one. Nothing was changed.',
    });
  }
}

function refuseFuture(db: Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > latestSchemaVersion) {
    throw new InflowError('DB_FROM_FUTURE', `The database ${file} was written by a newer Inflow (schema ${version}; this version knows up to ${latestSchemaVersion}).`, {
      hint: 'Update Inflow, or point it at another data directory with --data-dir. The database was not changed.',
    });
  }
}

/**
 * Applies every pending migration, each in its own transaction, recording progress in `user_version`. Each
 * transaction takes the write lock first (IMMEDIATE) and reads the version again under it, so two processes
 * opening a fresh data folder at once do not both run a migration: the second waits, then finds it done.
 */
export function migrate(db: Database, file = 'database', target = latestSchemaVersion): number {
  refuseFuture(db, file);
  let version = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= version || migration.version > target) continue;
    version = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= migration.version) return current;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
      return migration.version;
    }).immediate();
  }
  refuseFuture(db, file);
  return version;
}

function translateSqliteError(error: unknown, file: string): unknown {
  if (InflowError.isInstance(error)) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new InflowError('DB_CORRUPT', `${file} is not an Inflow database or is damaged (${message}).`, {
      hint: 'Move the file aside (or choose another data directory with --data-dir); nothing in it was changed.', cause: error,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new InflowError('DB_LOCKED', `The database ${file} is locked by another process.`, {
      hint: 'Close the other Inflow window or command using this data directory, then try again.', cause: error,
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') {
    return new InflowError('DB_CANTOPEN', `Cannot open the database ${file} (${message}).`, {
      hint: 'Check that the data directory exists and is writable, or choose another with --data-dir.', cause: error,
    });
  }
  return error;
}
