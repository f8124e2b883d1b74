import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { brokenDatabases, brokenDatasets } from '../../support/broken-inputs.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

const noStackTrace = /\n\s+at /;

test('every broken dataset of the corpus is refused by datasets import with exit 4 and a clear error, never a hang; nothing is stored', async (t) => {
  const dataDir = tempDir();
  for (const dataset of brokenDatasets())
    await t.test(dataset.name, async () => {
      const run = await runCli(['datasets', 'import', dataset.file, '--data-dir', dataDir], { timeoutMs: 60_000 });
      assert.equal(run.code, dataset.exitCode, run.stderr);
      assert.match(run.stderr, dataset.message);
      assert.doesNotMatch(run.stderr, noStackTrace);
    });
  const list = await runCli(['datasets', 'list', '--json', '--data-dir', dataDir]);
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, /"name"/, 'no dataset was stored');
});

test('every broken database of the corpus gives exit 4 and a clear error, and the file is left as it was', async (t) => {
  for (const database of brokenDatabases())
    await t.test(database.name, async () => {
      const before = fs.readFileSync(database.file);
      const run = await runCli(['memory', 'list', '--data-dir', database.dataDir], { timeoutMs: 60_000 });
      assert.equal(run.code, database.exitCode, run.stderr);
      assert.match(run.stderr, database.message);
      assert.doesNotMatch(run.stderr, noStackTrace);
      assert.deepEqual(fs.readFileSync(database.file), before, 'the database file is unchanged');
    });
});
