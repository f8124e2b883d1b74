import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';

const dist = path.join(repoRoot, 'dist');

test('the packaging build writes main, the trainer worker and a self-contained sandboxed preload', { skip: !fs.existsSync(path.join(repoRoot, 'native', 'build')) && 'the native trainer is not built' }, () => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-electron.ts')], { cwd: repoRoot, stdio: 'pipe' });
  const preload = fs.readFileSync(path.join(dist, 'electron', 'preload', 'index.cjs'), 'utf8');
  const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
  assert.deepEqual([...new Set(required)], ['electron'], 'a sandboxed preload may only require electron');
  assert.doesNotMatch(preload, /\bimport\s|import\(/, 'no ES imports in the preload');
  assert.match(preload, /exposeInMainWorld\("inflow"/);
  for (const file of ['electron/main/index.js', 'electron/core/training/trainer-worker.js', 'electron/core/tools/python/sandbox-process.js', 'electron/core/api/create-api.js', 'resources']) {
    assert.ok(fs.existsSync(path.join(dist, file)), `${file} is built`);
  }
  assert.ok(fs.readdirSync(path.join(dist, 'native', 'build')).some((name) => name.endsWith('.node')), 'the trainer addon is copied');
  execFileSync(process.execPath, ['--check', path.join(dist, 'electron', 'main', 'index.js')]);
  const main = fs.readFileSync(path.join(dist, 'electron', 'main', 'index.js'), 'utf8');
  assert.match(main, /from "\.\.\/core\/api\/create-api\.js"/, 'main imports the core modules as built files, keeping the layout');
});
