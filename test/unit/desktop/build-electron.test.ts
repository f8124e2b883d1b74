import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { ensurePrebuiltTrainer } from '../../support/prebuilt-trainer.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dist = path.join(repoRoot, 'dist');

test('the packaging build stops and explains how to make the prebuilt trainer when it is missing', () => {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-electron.ts')], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, INFLOW_PREBUILDS_DIR: tempDir() },
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /prebuilt trainer addon for \w+-\w+ is missing/);
  assert.match(run.stderr, /npm run build:native -- --prebuild/);
});

test('the packaging build writes main, the trainer worker, a self-contained sandboxed preload and the prebuilt trainer', () => {
  ensurePrebuiltTrainer();
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-electron.ts')], { cwd: repoRoot, stdio: 'pipe' });
  const preload = fs.readFileSync(path.join(dist, 'electron', 'preload', 'index.cjs'), 'utf8');
  const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
  assert.deepEqual([...new Set(required)], ['electron'], 'a sandboxed preload may only require electron');
  assert.doesNotMatch(preload, /\bimport\s|import\(/, 'no ES imports in the preload');
  assert.match(preload, /exposeInMainWorld\("inflow"/);
  for (const file of [
    'electron/main/index.js',
    'electron/core/training/trainer-worker.js',
    'electron/core/tools/python/sandbox-process.js',
    'electron/core/api/create-api.js',
    'resources',
  ]) {
    assert.ok(fs.existsSync(path.join(dist, file)), `${file} is built`);
  }
  assert.deepEqual(
    fs.readdirSync(path.join(dist, 'native', 'prebuilds', `${process.platform}-${process.arch}`)).sort(),
    ['build-info.json', 'inflow-trainer.node'],
    'the prebuilt trainer is copied',
  );
  assert.ok(!fs.existsSync(path.join(dist, 'native', 'build')), 'no local build ships');
  execFileSync(process.execPath, ['--check', path.join(dist, 'electron', 'main', 'index.js')]);
  const main = fs.readFileSync(path.join(dist, 'electron', 'main', 'index.js'), 'utf8');
  assert.match(main, /from "\.\.\/core\/api\/create-api\.js"/, 'main imports the core modules as built files, keeping the layout');
});
