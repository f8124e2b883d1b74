import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../support/temp-dir.ts';

const cli = path.resolve(import.meta.dirname, '../../../electron/cli/index.ts');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('an unknown command exits 2 and lists the commands', () => {
  const result = run(['frobnicate']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command "frobnicate"/);
  assert.match(result.stderr, /doctor/);
});

test('no command prints the usage and exits 2; help exits 0', () => {
  assert.equal(run([]).status, 2);
  const help = run(['help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: inflow <command>/);
});

test('--data-dir and INFLOW_DATA_DIR choose where the database is created', () => {
  const dir = tempDir();
  const explicit = run(['doctor', '--json', '--data-dir', path.join(dir, 'a')]);
  assert.equal(explicit.status, 0, explicit.stderr);
  assert.equal(JSON.parse(explicit.stdout).dataDir, path.join(dir, 'a'));
  const fromEnv = run(['doctor', '--json'], { INFLOW_DATA_DIR: path.join(dir, 'b') });
  assert.equal(fromEnv.status, 0, fromEnv.stderr);
  assert.equal(JSON.parse(fromEnv.stdout).dataDir, path.join(dir, 'b'));
});

test('a database from the future gives a clear error and a bad-input exit code', async () => {
  const dir = tempDir();
  const { createRequire } = await import('node:module');
  const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Sqlite(path.join(dir, 'inflow.db'));
  db.pragma('user_version = 99999');
  db.close();
  const result = run(['doctor', '--data-dir', dir]);
  assert.equal(result.status, 4);
  assert.match(result.stderr, /newer Inflow/);
  assert.match(result.stderr, /--data-dir/);
});

test('without --data-dir or INFLOW_DATA_DIR the CLI uses the data folder chosen in the desktop app', () => {
  const dir = tempDir();
  const config = path.join(dir, 'config');
  fs.mkdirSync(path.join(config, 'inflow'), { recursive: true });
  fs.writeFileSync(path.join(config, 'inflow', 'data-dir.json'), JSON.stringify({ dataDir: path.join(dir, 'chosen') }));
  const env = { XDG_CONFIG_HOME: config, INFLOW_DATA_DIR: '' };
  const chosen = run(['doctor', '--json'], env);
  assert.equal(chosen.status, 0, chosen.stderr);
  assert.equal(JSON.parse(chosen.stdout).dataDir, path.join(dir, 'chosen'));
  const explicit = run(['doctor', '--json', '--data-dir', path.join(dir, 'other')], env);
  assert.equal(JSON.parse(explicit.stdout).dataDir, path.join(dir, 'other'));
  fs.writeFileSync(path.join(config, 'inflow', 'data-dir.json'), '{ not json');
  const broken = run(['doctor'], env);
  assert.equal(broken.status, 4);
  assert.match(broken.stderr, /data-dir\.json is not valid JSON/);
});
