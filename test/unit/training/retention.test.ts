import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { AdapterRegistry } from '../../../electron/core/adapters/adapter-registry.ts';
import { applyRetention, planRetention } from '../../../electron/core/adapters/retention.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { endTrainingRun } from '../../../electron/core/training/end-run.ts';
import { openRun } from '../../../electron/core/training/flow-grpo/open-run.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { assertTrainingFits, trainingDiskBytes } from '../../../electron/core/training/flow-grpo/training-disk.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

/**
 * Eight adapter versions of one model: v2 is the best, v1 then v5 were promoted (rollback can return to v1), a
 * paused run resumes from v4, v6-v8 are the last three. Only v3 may go. A completed run's states all go; the
 * paused run keeps its last state only.
 */
function seed(dataDir: string) {
  const db = openDatabase(path.join(dataDir, 'inflow.db'));
  const registry = new AdapterRegistry(db);
  const dir = path.join(dataDir, 'adapters');
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string, bytes: number) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, Buffer.alloc(bytes));
    return p;
  };
  const adapters = [1, 2, 3, 4, 5, 6, 7, 8].map((v) =>
    registry.register({ path: file(`v${v}.gguf`, 1000), baseModel: '/m.gguf', metrics: { heldoutAccuracy: v === 2 ? 0.9 : 0.1 * (v % 3) } }),
  );
  registry.promote(adapters[0]!.id);
  registry.promote(adapters[4]!.id);
  const run = (id: string, status: string, last: number) =>
    db
      .prepare('INSERT INTO training_runs (id, created_at, status, base_model, last_completed_step) VALUES (?, ?, ?, ?, ?)')
      .run(id, Date.now(), status, '/m.gguf', last);
  const checkpoint = (runId: string, step: number, adapterId: string | null) =>
    db
      .prepare('INSERT INTO training_checkpoints (training_run_id, step, state_path, adapter_id, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(runId, step, file(`${runId}-${step}.state`, 3000), adapterId, Date.now());
  run('trn_done', 'completed', 3);
  for (const step of [1, 2, 3]) checkpoint('trn_done', step, null);
  run('trn_paused', 'paused', 2);
  checkpoint('trn_paused', 1, null);
  checkpoint('trn_paused', 2, adapters[3]!.id);
  return { db, adapters, dir, stores: { adapters: registry, training: new TrainingStore(db) } };
}

test("retention keeps promoted, best, rollback history, the resumable adapter and the last three; prunes finished runs' states", () => {
  const { db, adapters, dir, stores } = seed(tempDir());
  const plan = planRetention(stores);
  assert.deepEqual(
    plan.adapters.map((a) => a.adapter.version),
    [3],
  );
  assert.deepEqual(plan.states.map((s) => `${s.trainingRunId}:${s.step}`).sort(), ['trn_done:1', 'trn_done:2', 'trn_done:3', 'trn_paused:1']);
  assert.equal(plan.bytes, 1000 + 4 * 3000);
  applyRetention(stores);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['trn_paused-2.state', 'v1.gguf', 'v2.gguf', 'v4.gguf', 'v5.gguf', 'v6.gguf', 'v7.gguf', 'v8.gguf']);
  assert.equal(new AdapterRegistry(db).list('/m.gguf').length, 8, 'the rows stay as history');
  assert.deepEqual(planRetention(stores), { adapters: [], states: [], bytes: 0 }, 'nothing more to do');
  const back = new AdapterRegistry(db).rollback('/m.gguf');
  assert.equal(back?.id, adapters[0]!.id);
  assert.ok(fs.existsSync(back!.path), 'rollback finds its file');
  db.close();
});

test('retention keeps the adapter an unfinished run started from: its KL reference on every resume', () => {
  const { db, adapters, stores } = seed(tempDir());
  db.prepare('INSERT INTO training_runs (id, created_at, status, base_model, last_completed_step, config) VALUES (?, ?, ?, ?, ?, ?)').run(
    'trn_warm',
    Date.now(),
    'running',
    '/m.gguf',
    0,
    JSON.stringify({ initAdapter: adapters[2]!.path }),
  );
  assert.deepEqual(planRetention(stores).adapters, [], 'v3, the warm start of a running run, stays');
  db.prepare("UPDATE training_runs SET status = 'completed' WHERE id = 'trn_warm'").run();
  assert.deepEqual(
    planRetention(stores).adapters.map((a) => a.adapter.version),
    [3],
    'once the run has finished, the rule applies to it again',
  );
  db.close();
});

test('a failed run is resumable (train --resume picks it up): retention keeps its last state, resume adapter and warm start', () => {
  const { db, adapters, dir, stores } = seed(tempDir());
  db.prepare("UPDATE training_runs SET status = 'failed', error = 'the disk is full' WHERE id = 'trn_paused'").run();
  db.prepare("UPDATE training_runs SET config = ? WHERE id = 'trn_paused'").run(JSON.stringify({ initAdapter: adapters[2]!.path }));
  assert.equal(stores.training.latestUnfinished()?.id, 'trn_paused', 'the run train --resume continues');
  const plan = planRetention(stores);
  assert.deepEqual(plan.adapters, [], 'v4 (its checkpoint) and v3 (its start) stay');
  assert.deepEqual(plan.states.map((s) => `${s.trainingRunId}:${s.step}`).sort(), ['trn_done:1', 'trn_done:2', 'trn_done:3', 'trn_paused:1']);
  applyRetention(stores);
  assert.ok(fs.existsSync(path.join(dir, 'trn_paused-2.state')), 'the state a resume loads is still there');
  db.close();
});

test('ending a failed run the user will not resume frees its last state and resume adapter; it leaves --resume; finished or running runs are refused', async () => {
  const dataDir = tempDir();
  const { db, adapters, dir, stores } = seed(dataDir);
  db.prepare("UPDATE training_runs SET status = 'failed', error = 'the disk is full' WHERE id = 'trn_paused'").run();
  db.prepare(
    "INSERT INTO training_runs (id, created_at, status, base_model, last_completed_step) VALUES ('trn_live', ?, 'running', '/m.gguf', 1)",
  ).run(0);
  const refused = (id: string, code: string, text: RegExp) =>
    assert.throws(
      () => endTrainingRun(stores, id),
      (e: unknown) => InflowError.isInstance(e) && e.code === code && text.test(e.message),
    );
  refused('trn_done', 'TRAINING_DONE', /already completed/);
  refused('trn_live', 'TRAINING_BUSY', /marked running/);
  refused('trn_nope', 'TRAINING_RUN_NOT_FOUND', /trn_nope/);
  applyRetention(stores);
  assert.ok(fs.existsSync(path.join(dir, 'trn_paused-2.state')), 'kept while the run could be resumed');
  const { run, freed } = endTrainingRun(stores, 'trn_paused');
  assert.equal(run.status, 'cancelled');
  assert.equal(run.error, 'the disk is full', 'why it failed stays on record');
  assert.deepEqual(
    freed.states.map((s) => `${s.trainingRunId}:${s.step}`),
    ['trn_paused:2'],
  );
  assert.ok(!fs.existsSync(path.join(dir, 'trn_paused-2.state')));
  assert.deepEqual(
    freed.adapters.map((a) => a.adapter.version),
    [4],
    'v4, kept only as its resume point, goes too',
  );
  assert.ok(!fs.existsSync(adapters[3]!.path));
  assert.ok(fs.existsSync(adapters[4]!.path), 'the promoted v5 stays');
  assert.equal(stores.training.latestUnfinished()?.id, 'trn_live', 'train --resume no longer picks the ended run');
  refused('trn_paused', 'TRAINING_DONE', /already ended/);
  assert.throws(
    () => openRun({ resumeRunId: 'trn_paused' } as Parameters<typeof openRun>[0], stores.training, new DatasetStore(db)),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'TRAINING_DONE' && /was ended at step 2/.test(e.message),
  );
  db.close();
  // the CLI: `inflow train end RUN_ID`
  const again = seed(tempDir());
  const cliDir = path.dirname(again.dir);
  again.db.close();
  const ended = await runCli(['train', 'end', 'trn_paused', '--data-dir', cliDir]);
  assert.equal(ended.code, 0, ended.stderr);
  assert.match(ended.stdout, /Ended training run trn_paused at step 2; freed 0\.0 MiB \(\d+ adapters, \d+ trainer states\)\./);
  const twice = await runCli(['train', 'end', 'trn_paused', '--data-dir', cliDir]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /already ended/);
  const none = await runCli(['train', 'end', '--data-dir', cliDir]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Name the run to end/);
});

test('inflow adapters gc --dry-run lists, gc deletes, --keep is checked', async () => {
  const dataDir = tempDir();
  seed(dataDir).db.close();
  const dry = await runCli(['adapters', 'gc', '--dry-run', '--data-dir', dataDir]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /Would delete adapter v3 /);
  assert.match(dry.stdout, /Would free 0\.0 MiB \(1 adapters, 4 trainer states\)/);
  assert.ok(fs.existsSync(path.join(dataDir, 'adapters', 'v3.gguf')));
  const keepSix = await runCli(['adapters', 'gc', '--keep', '6', '--data-dir', dataDir, '--json']);
  assert.equal(keepSix.code, 0, keepSix.stderr);
  assert.deepEqual((JSON.parse(keepSix.stdout) as { adapters: unknown[] }).adapters, [], 'v3 is among the last six');
  assert.ok(fs.existsSync(path.join(dataDir, 'adapters', 'v3.gguf')));
  const real = await runCli(['adapters', 'gc', '--data-dir', dataDir]);
  assert.equal(real.code, 0, real.stderr);
  assert.match(real.stdout, /Freed 0\.0 MiB \(1 adapters, 0 trainer states\)/, 'the states went with --keep 6 already');
  assert.ok(!fs.existsSync(path.join(dataDir, 'adapters', 'v3.gguf')));
  const list = await runCli(['adapters', 'list', '--data-dir', dataDir]);
  assert.match(list.stdout, /v3 +pruned/);
  const bad = await runCli(['adapters', 'gc', '--keep', '0', '--data-dir', dataDir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--keep must be a whole number of at least 1/);
});

test('a training run that would not fit on the disk refuses to start, saying how much it needs', () => {
  const model = testModelPath();
  const lora = { rank: 16, targets: ['q', 'k', 'v', 'o'] };
  const needed = trainingDiskBytes(model, lora);
  assert.doesNotThrow(() => assertTrainingFits({ modelPath: model, lora, adaptersDir: '/x', freeBytes: needed }));
  assert.throws(
    () => assertTrainingFits({ modelPath: model, lora, adaptersDir: '/x', freeBytes: needed - 1 }),
    (error: unknown) =>
      InflowError.isInstance(error) &&
      error.code === 'INSUFFICIENT_DISK' &&
      /needs about .* but \/x has .* free/.test(error.message) &&
      /inflow adapters gc/.test(error.hint ?? ''),
  );
});
