import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { latestSchemaVersion } from '../../../electron/core/store/migrations/index.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('a new database is migrated to the latest schema with WAL and foreign keys', () => {
  const file = path.join(tempDir(), 'inflow.db');
  const db = openDatabase(file);
  assert.equal(db.pragma('user_version', { simple: true }), latestSchemaVersion);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
});

test('a database from a newer Inflow is refused and left untouched', () => {
  const file = path.join(tempDir(), 'inflow.db');
  openDatabase(file).close();
  const BetterSqlite3 = loadSqlite();
  const raw = new BetterSqlite3(file);
  raw.pragma(`user_version = ${latestSchemaVersion + 10}`);
  raw.close();
  const before = fs.readFileSync(file);
  assert.throws(
    () => openDatabase(file),
    (error: unknown) => InflowError.isInstance(error) && error.code === 'DB_FROM_FUTURE' && /newer Inflow/.test(error.message),
  );
  assert.deepEqual(fs.readFileSync(file), before);
});

test('a file that is not a database is refused with a clear error and not modified', () => {
  const file = path.join(tempDir(), 'inflow.db');
  fs.writeFileSync(file, 'this is not sqlite, just text that a user put here by mistake '.repeat(100));
  const before = fs.readFileSync(file);
  assert.throws(
    () => openDatabase(file),
    (error: unknown) => InflowError.isInstance(error) && error.code === 'DB_CORRUPT' && error.message.includes(file),
  );
  assert.deepEqual(fs.readFileSync(file), before);
});

test('a database locked by another writer is reported as locked', () => {
  const file = path.join(tempDir(), 'inflow.db');
  openDatabase(file).close();
  const BetterSqlite3 = loadSqlite();
  const holder = new BetterSqlite3(file);
  holder.pragma('locking_mode = EXCLUSIVE');
  holder.exec('BEGIN EXCLUSIVE');
  try {
    assert.throws(
      () => openDatabase(file, { busyTimeoutMs: 50 }),
      (error: unknown) => InflowError.isInstance(error) && error.code === 'DB_LOCKED',
    );
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
});

test('runs, steps and module calls survive a crash: each write is committed as it happens', () => {
  const file = path.join(tempDir(), 'inflow.db');
  const db = openDatabase(file);
  const store = new RunStore(db);
  const task = store.createTask({ question: 'What is 2+2?', expectedAnswer: '4', answerKind: 'numeric' });
  const run = store.startRun({ taskId: task.id, profile: 'structured' });
  store.recordModuleCall({
    runId: run.id,
    stepIdx: 1,
    module: 'planner',
    promptText: 'p',
    responseText: 'r',
    promptTokens: [1, 2, 3],
    responseTokens: [4, 5],
    responseLogprobs: [-0.5, -1.25],
    startedAt: Date.now(),
    durationMs: 3,
  });
  store.recordStep({ runId: run.id, idx: 1, toolName: 'calculator', command: { expression: '2+2' }, result: { value: 4 } });
  // Simulate a process death: no endRun, no close, and the run's owner is a process that has ended (runs of a
  // live process, this one included, are not closed). A second connection sees everything.
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?').run(dead, run.id);
  const again = new RunStore(openDatabase(file));
  assert.equal(again.closeInterruptedRuns(), 1);
  const reloaded = again.getRun(run.id)!;
  assert.equal(reloaded.stopReason, 'interrupted');
  const [call] = again.getModuleCalls(run.id);
  assert.deepEqual(call!.promptTokens, [1, 2, 3]);
  assert.deepEqual(call!.responseTokens, [4, 5]);
  assert.deepEqual(call!.responseLogprobs, [-0.5, -1.25]);
  assert.deepEqual(again.getSteps(run.id)[0]!.result, { value: 4 });
  assert.deepEqual(again.getTask(task.id)!.expectedAnswer, '4');
  db.close();
  again.db.close();
});

test('rewards outside [0, 1] are rejected by the schema', () => {
  const db = openDatabase(path.join(tempDir(), 'inflow.db'));
  const store = new RunStore(db);
  const run = store.startRun({ taskId: store.createTask({ question: 'q' }).id });
  assert.throws(
    () => db.prepare('INSERT INTO rewards (run_id, value, source, created_at) VALUES (?, ?, ?, ?)').run(run.id, 1.5, 'exact', 0),
    /CHECK constraint/,
  );
  db.close();
});

function loadSqlite(): typeof import('better-sqlite3') {
  return createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
}
