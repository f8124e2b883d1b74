import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { createBackend } from '../../../electron/core/backend.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { raceProcesses } from '../../support/race.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('two processes opening a fresh data folder at the same instant both migrate it without error (10 trials)', async () => {
  const failures: string[] = [];
  for (let trial = 0; trial < 10; trial++) {
    const file = path.join(tempDir(), 'inflow.db');
    const results = await raceProcesses(
      { database: 'electron/core/store/database.ts' },
      `const db = modules.database.openDatabase(args[0]); console.log(db.pragma('user_version', { simple: true })); db.close();`,
      [[file], [file]],
    );
    for (const result of results)
      if (result.code !== 0) failures.push(`trial ${trial}: ${result.stderr.split('\n').find((line) => /Error|error/.test(line)) ?? result.stderr}`);
  }
  assert.deepEqual(failures, []);
});

test('a start marks only runs whose owning process is gone as interrupted, not runs live in another process', async () => {
  const dataDir = tempDir();
  const owner = spawn(
    path.join(repoRoot, 'node_modules', '.bin', 'node'),
    [
      '--input-type=module',
      '-e',
      `
    const { createBackend } = await import(${JSON.stringify(path.join(repoRoot, 'electron/core/backend.ts'))});
    const backend = await createBackend({ dataDir: ${JSON.stringify(dataDir)} });
    const task = backend.runs.createTask({ question: 'live' });
    const run = backend.runs.startRun({ taskId: task.id });
    console.log(run.id);
    setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  after(() => {
    owner.kill('SIGKILL');
  });
  const runId = await new Promise<string>((resolve, reject) => {
    owner.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    owner.on('exit', (code) => reject(new Error(`the owner ended first (${code})`)));
  });
  const second = await createBackend({ dataDir });
  assert.equal(second.runs.getRun(runId)?.status, 'running', 'a run another live process owns stays running');
  await second.close();
  owner.kill('SIGKILL');
  await new Promise((resolve) => owner.once('exit', resolve));
  const third = await createBackend({ dataDir });
  const run = third.runs.getRun(runId);
  assert.equal(run?.status, 'ended');
  assert.equal(run?.stopReason, 'interrupted', 'a run whose process was killed is marked interrupted');
  await third.close();
});

test('models registered by several processes at the same instant are all kept (5 trials of 6 processes)', async () => {
  const lost: string[] = [];
  for (let trial = 0; trial < 5; trial++) {
    const modelsDir = path.join(tempDir(), 'models');
    const ids = Array.from({ length: 6 }, (_, index) => `model-${index}`);
    const results = await raceProcesses(
      { registry: 'electron/core/models/model-registry.ts' },
      `modules.registry.registerInstalledModel(args[1], { id: args[0], file: args[0] + '.gguf', bytes: 1, sha256: '0', source: 'test', installedAt: new Date().toISOString() });`,
      ids.map((id) => [id, modelsDir]),
    );
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const registered = (JSON.parse(fs.readFileSync(path.join(modelsDir, 'installed.json'), 'utf8')) as Array<{ id: string }>).map(
      (entry) => entry.id,
    );
    for (const id of ids) if (!registered.includes(id)) lost.push(`trial ${trial}: ${id}`);
  }
  assert.deepEqual(lost, []);
});
