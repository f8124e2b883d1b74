import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { canMountPrivately, runOnDisk } from '../../support/full-disk.ts';
import { runCli } from '../../support/run-cli.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';
import { additionTool, analysis, command, final, plan, verdict } from '../../unit/agent/agent-fixtures.ts';

const mountable = canMountPrivately();
const noStackTrace = /\n\s+at /;

/** A data folder with a remembered fact and one finished run. */
async function seededDataDir(): Promise<string> {
  const dataDir = tempDir();
  const add = await runCli(['memory', 'add', 'I live in Lyon', '--data-dir', dataDir]);
  assert.equal(add.code, 0, add.stderr);
  const db = openDatabase(path.join(dataDir, 'inflow.db'));
  const runs = new RunStore(db);
  runs.endRun(runs.startRun({ taskId: runs.createTask({ question: 'What is 2 + 2?' }).id }).id, { stopReason: 'answered', answer: '4' });
  db.close();
  return dataDir;
}

test('a disk that fills during a run: the run is ended as failed and the caller gets DISK_FULL, not a SQLite error', async () => {
  const db = openDatabase(path.join(tempDir(), 'inflow.db'));
  const runs = new RunStore(db);
  // SQLite's own limit on the file's pages fails writes that need a new page with SQLITE_FULL, as a full disk does.
  const model = new ScriptedLanguageModel({
    turns: [
      analysis,
      plan(),
      command({ a: 1, b: 2 }),
      verdict('CONTINUE'),
      plan(),
      command({ a: 'x'.repeat(200_000), b: 2 }),
      verdict('STOP'),
      final('3'),
    ],
  });
  let runId = '';
  await assert.rejects(
    runAgent({
      question: 'q',
      models: { planner: model },
      tools: [additionTool()],
      store: runs,
      onEvent: (event) => {
        if (event.type === 'run-start') runId = event.runId;
        if (event.type === 'step-start' && event.step === 2) db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      },
    }),
    (error: unknown) => InflowError.isInstance(error) && error.code === 'DISK_FULL' && /disk .*full/.test(error.message),
  );
  const run = runs.getRun(runId);
  assert.equal(run?.status, 'ended');
  assert.equal(run?.stopReason, 'error');
  assert.match(run?.error ?? '', /full/);
  db.close();
});

test(
  'on a full disk, read-only commands work and writing ones exit 5 with a clear message',
  { skip: mountable ? false : 'needs unshare (Linux user and mount namespaces)' },
  async () => {
    const dataDir = await seededDataDir();
    const [memory, runsList, add, ask] = runOnDisk('full', dataDir, [
      ['memory', 'list'],
      ['runs', 'list'],
      ['memory', 'add', 'I have a cat'],
      ['ask', 'What is 2 + 3?', '--model', testModelPath(), '--cpu', '--threads', '1', '--context-size', '512', '--tools', 'python'],
    ]);
    assert.equal(memory!.code, 0, memory!.stderr);
    assert.match(memory!.stdout, /I live in Lyon/);
    assert.equal(runsList!.code, 0, runsList!.stderr);
    assert.match(runsList!.stdout, /What is 2 \+ 2\?/);
    for (const [name, run] of [
      ['memory add', add!],
      ['ask', ask!],
    ] as const) {
      assert.equal(run.code, 5, `${name}: ${run.stderr}`);
      assert.match(run.stderr, /disk .*full/i, name);
      assert.match(run.stderr, /Free some disk space/, name);
      assert.doesNotMatch(run.stderr, noStackTrace, name);
    }
  },
);

test(
  'in a read-only data folder, read-only commands work and writing ones say the folder is read-only',
  { skip: mountable ? false : 'needs unshare (Linux user and mount namespaces)' },
  async () => {
    const dataDir = await seededDataDir();
    const [memory, runsList, add] = runOnDisk('read-only', dataDir, [
      ['memory', 'list'],
      ['runs', 'list'],
      ['memory', 'add', 'I have a cat'],
    ]);
    assert.equal(memory!.code, 0, memory!.stderr);
    assert.match(memory!.stdout, /I live in Lyon/);
    assert.equal(runsList!.code, 0, runsList!.stderr);
    assert.match(runsList!.stdout, /What is 2 \+ 2\?/);
    assert.notEqual(add!.code, 0);
    assert.match(add!.stderr, /read-only/);
    assert.doesNotMatch(add!.stderr, noStackTrace);
  },
);
