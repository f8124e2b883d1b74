import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { InflowError } from '../errors.ts';
import { latestSchemaVersion, migrations } from './migrations/index.ts';
import type { DegradedReason } from './storage-errors.ts';

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
 * InflowError naming the file and what to do; the file itself is never modified in those cases. On a full disk
 * or in a read-only data folder, an existing database is opened for reading only (`degradedReasonOf`).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  try {
    return openRetryingRaces(file, options);
  } catch (error) {
    if (options.readonly === true || file === ':memory:' || !fs.existsSync(file)) throw error;
    const degraded = degradedReason(error, file);
    if (degraded === undefined) throw error;
    return openDegraded(file, degraded, options);
  }
}

/**
 * Opens the database, again and again until the busy timeout, while another process is creating its schema at the
 * same instant: a read of a table that process is committing can fail once (an FTS5 table whose shadow tables are
 * being written reports "vtable constructor failed", which SQLite's busy handler does not retry).
 */
function openRetryingRaces(file: string, options: OpenDatabaseOptions): Database {
  const deadline = Date.now() + (options.busyTimeoutMs ?? 5000);
  for (;;) {
    try {
      return openDatabaseAsIs(file, options);
    } catch (error) {
      if (!isOpenRace(error) || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a short pause, synchronously (open is sync)
    }
  }
}

function isOpenRace(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return /vtable constructor failed/.test(message) || /^SQLITE_(BUSY|LOCKED)/.test(String((cause as { code?: unknown }).code ?? ''));
}

/** How a database that cannot be opened normally can still be read: undefined when it cannot. */
function degradedReason(error: unknown, file: string): DegradedReason | undefined {
  const code = String(
    (error as { cause?: { code?: unknown }; code?: unknown }).cause instanceof Error
      ? (error as { cause: { code?: unknown } }).cause.code
      : ((error as { code?: unknown }).code ?? ''),
  );
  if (!/^SQLITE_(IOERR|FULL|CANTOPEN|READONLY)/.test(code)) return undefined;
  try {
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
  } catch {
    return 'read-only';
  }
  return /^SQLITE_(IOERR|FULL)/.test(code) ? 'disk-full' : undefined;
}

const degradedDatabases = new WeakMap<Database, DegradedReason>();

/** Why `db` was opened read-only (a full disk, a read-only data folder), or undefined for a normal database. */
/** The schema version the database file is at (its `user_version`). */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function degradedReasonOf(db: Database): DegradedReason | undefined {
  return degradedDatabases.get(db);
}

/**
 * Opens a database for reading when the disk is full or the data folder is read-only, so read-only commands
 * keep working. A full disk: the file itself, in exclusive locking mode (the WAL index then lives in memory, no
 * shared-memory file needs to grow); writes fail with SQLITE_FULL. A read-only folder (no shared-memory file
 * can be created next to the database): a temporary copy of the database and its WAL, opened read-only.
 */
function openDegraded(file: string, reason: DegradedReason, options: OpenDatabaseOptions): Database {
  const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  let source = file;
  if (reason === 'read-only') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-readonly-'));
    source = path.join(dir, path.basename(file));
    fs.copyFileSync(file, source);
    if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${source}-wal`);
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  let db: Database;
  try {
    db = new BetterSqlite3(source, { readonly: reason === 'read-only', fileMustExist: true });
  } catch (error) {
    throw translateSqliteError(error, file);
  }
  try {
    if (reason === 'disk-full') db.pragma('locking_mode = EXCLUSIVE');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    refuseFuture(db, file);
    if ((db.pragma('user_version', { simple: true }) as number) < latestSchemaVersion) {
      throw reason === 'disk-full'
        ? new InflowError('DISK_FULL', `The database ${file} needs an upgrade, which needs disk space, and the disk is full.`, {
            hint: 'Free some disk space, then run the command again.',
          })
        : new InflowError('DATA_DIR_READ_ONLY', `The database ${file} needs an upgrade, and its folder is read-only.`, {
            hint: 'Make the data folder writable once, or choose another one with --data-dir.',
          });
    }
    db.pragma('foreign_keys = ON');
    degradedDatabases.set(db, reason);
    return db;
  } catch (error) {
    db.close();
    throw translateSqliteError(error, file);
  }
}

function openDatabaseAsIs(file: string, options: OpenDatabaseOptions): Database {
  if (Number(process.versions.napi) < 10) {
    throw new InflowError('NODE_TOO_OLD', `Inflow needs Node.js 24 or newer (Node-API 10); this is Node ${process.versions.node}.`, {
      hint: "Run it through the npm scripts (npm test, npm run inflow -- ...) or bin/inflow.js, which use the project's Node 24.",
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
    refuseFuture(db, file); // before anything is written: switching to WAL would already change the file
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
    throw new InflowError(
      'DB_FROM_FUTURE',
      `The database ${file} was written by a newer Inflow (schema ${version}; this version knows up to ${latestSchemaVersion}).`,
      {
        hint: 'Update Inflow, or point it at another data directory with --data-dir. The database was not changed.',
      },
    );
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
    version = db
      .transaction(() => {
        const current = db.pragma('user_version', { simple: true }) as number;
        if (current >= migration.version) return current;
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
        return migration.version;
      })
      .immediate();
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
      hint: 'Move the file aside (or choose another data directory with --data-dir); nothing in it was changed.',
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new InflowError('DB_LOCKED', `The database ${file} is locked by another process.`, {
      hint: 'Close the other Inflow window or command using this data directory, then try again.',
      cause: error,
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') {
    return new InflowError('DB_CANTOPEN', `Cannot open the database ${file} (${message}).`, {
      hint: 'Check that the data directory exists and is writable, or choose another with --data-dir.',
      cause: error,
    });
  }
  return error;
}
