import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exitCodeFor } from '../../../electron/cli/exit-codes.ts';
import { repoRoot } from '../../../electron/core/paths.ts';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

test("every error code the code can raise is in the README's exit-code table, in the row of its exit code", () => {
  const codes = new Set<string>();
  for (const file of sourceFiles(path.join(repoRoot, 'electron'))) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/InflowError\(\s*'([A-Z0-9_]+)'/g)) codes.add(match[1]!);
  }
  assert.ok(codes.size > 100, `found ${codes.size} codes`);
  const rows = new Map<number, string>();
  for (const line of fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8').split('\n')) {
    const row = /^\| (\d+) \| [^|]+ \| (.*) \|$/.exec(line);
    if (row) rows.set(Number(row[1]), row[2]!);
  }
  assert.deepEqual([...rows.keys()], [0, 1, 2, 3, 4, 5, 130]);
  const missing = [...codes].sort().filter((code) => !(rows.get(exitCodeFor(code)) ?? '').includes(`\`${code}\``));
  assert.deepEqual(missing, [], 'add these codes to the README table, in the row of the exit code exitCodeFor gives them');
  const listed = [...rows.values()].flatMap((cells) => [...cells.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!));
  const stale = listed.filter((code) => !codes.has(code) && code !== 'ABORTED');
  assert.deepEqual(stale, [], 'codes in the README that nothing raises any more');
});

test('not-found codes exit 3, and a few that were misfiled before', () => {
  assert.equal(exitCodeFor('NO_PLANNER_MODEL'), 3);
  assert.equal(exitCodeFor('KNOWLEDGE_FOLDER_UNKNOWN'), 3);
  assert.equal(exitCodeFor('USAGE'), 2);
  assert.equal(exitCodeFor('ABORTED'), 130);
});
