import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { benchmarkCatalog, resolveBenchmarksDir, shippedBenchmarksDir } from '../../../electron/core/eval/benchmark-catalog.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

/** Everything the product needs ships inside the repository: nothing reads the sibling ../shared folder. */

test('the named benchmarks default to the shipped resources/benchmarks, with a README naming source and licence for each file', () => {
  assert.equal(resolveBenchmarksDir(undefined, {}), path.join(repoRoot, 'resources', 'benchmarks'));
  assert.equal(shippedBenchmarksDir, path.join(repoRoot, 'resources', 'benchmarks'));
  const readme = fs.readFileSync(path.join(shippedBenchmarksDir, 'README.md'), 'utf8');
  assert.match(readme, /github\.com\/lupantech\/AgentFlow/);
  assert.match(readme, /MIT License/);
  for (const info of benchmarkCatalog) {
    const file = path.join(shippedBenchmarksDir, info.file);
    assert.ok(fs.statSync(file).size > 1000, `${info.file} ships`);
    assert.ok(Array.isArray(JSON.parse(fs.readFileSync(file, 'utf8'))), `${info.file} is a JSON array`);
    assert.match(
      readme,
      new RegExp(`^\\| ${info.file.replace('.', '\\.')} \\|.*\\|.*\\|.*\\|.*\\| .+ \\|$`, 'm'),
      `${info.file} has a row with its origin and terms`,
    );
  }
});

test('no product code, script or test builds a path into the sibling shared folder', () => {
  // the literals are assembled so that this file does not match itself
  const parent = '..' + '/';
  const patterns = [
    new RegExp(`['"\`][^'"\`\\n]*${parent.replace(/\./g, '\\.')}(\\.\\./)*shared\\b`),
    new RegExp(`['"\`]${'sha' + 'red'}['"\`]\\s*,\\s*['"\`]benchmarks`),
  ];
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'build', 'dist', 'release', '.cache', 'test-output'].includes(entry.name)) walk(full);
      } else if (/\.(ts|tsx|js|cjs|mjs)$/.test(entry.name)) {
        const text = fs.readFileSync(full, 'utf8');
        if (patterns.some((p) => p.test(text))) offenders.push(path.relative(repoRoot, full));
      }
    }
  };
  for (const top of ['electron', 'renderer', 'scripts', 'native', 'test', 'bin'])
    if (fs.existsSync(path.join(repoRoot, top))) walk(path.join(repoRoot, top));
  assert.deepEqual(offenders, []);
});

test('inflow datasets import takes a shipped benchmark by name', async () => {
  const dataDir = tempDir();
  const run = await runCli(['datasets', 'import', 'gameof24', '--heldout', '0.1', '--data-dir', dataDir, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(run.stdout) as { name: string; source: string; counts: { train: number; heldout: number } };
  assert.equal(record.name, 'gameof24');
  assert.equal(record.source, path.join(shippedBenchmarksDir, 'gameof24.json'));
  assert.equal(record.counts.train + record.counts.heldout, 300);
});
