import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EvalStore } from '../../../electron/core/eval/index.ts';
import { migrate } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { tempDir } from '../../support/temp-dir.ts';

const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');

describe('migration 0040 (eval)', () => {
  it('upgrades a database that has runs, keeps them, and links eval items to runs without owning them', () => {
    const db = new BetterSqlite3(path.join(tempDir(), 'old.db'));
    db.pragma('foreign_keys = ON');
    migrate(db, 'old.db', 30);
    // A run as an Inflow of schema 30 wrote it (today's RunStore writes columns of later migrations).
    db.prepare("INSERT INTO tasks (id, created_at, question) VALUES ('task_old', 1, 'kept?')").run();
    db.prepare("INSERT INTO runs (id, task_id, kind, created_at) VALUES ('run_old', 'task_old', 'eval', 1)").run();
    const run = { id: 'run_old' };
    assert.ok(migrate(db, 'old.db') >= 40);
    const runs = new RunStore(db);
    assert.ok((db.prepare("SELECT name FROM sqlite_master WHERE name IN ('evaluations', 'eval_items')").all() as unknown[]).length === 2);
    assert.equal(runs.getRun(run.id)?.kind, 'eval', 'existing runs survive the upgrade');

    const store = new EvalStore(db);
    const evaluation = store.create({ benchmark: 'x', benchmarkFile: '/x.json', benchmarkHash: 'h', itemCount: 2, plannedCount: 2 });
    const item = {
      evaluationId: evaluation.id,
      category: null,
      answerKind: 'exact',
      expected: ['a'],
      answer: 'a',
      extracted: 'a',
      correct: true,
      score: 1,
      method: 'exact',
      reason: 'r',
      stopReason: 'answered',
      steps: 1,
      tokens: 5,
      durationMs: 3,
      toolCalls: {},
    };
    store.recordItem({ ...item, position: 0, runId: run.id });
    assert.throws(() => store.recordItem({ ...item, position: 0, runId: null }), /UNIQUE|PRIMARY KEY/, 'a position is stored once');
    assert.throws(() => store.recordItem({ ...item, position: 1, runId: null, score: 2 }), /CHECK/);

    db.prepare('DELETE FROM runs WHERE id = ?').run(run.id);
    assert.equal(store.items(evaluation.id)[0]!.runId, null, 'deleting a run keeps the verdict');
    db.prepare('DELETE FROM evaluations WHERE id = ?').run(evaluation.id);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM eval_items').get() as { n: number }).n, 0, 'an evaluation owns its items');
    db.close();
  });
});
