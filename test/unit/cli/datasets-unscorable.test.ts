import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { tempDir } from '../../support/temp-dir.ts';

const cli = path.join(repoRoot, 'electron', 'cli', 'index.ts');
const inflow = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [cli, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 60_000 });

test('inflow datasets import refuses items that can never score (exit 4, naming them); --skip-unscorable imports the rest', () => {
  const dataDir = tempDir();
  const file = path.join(tempDir(), 'g24.jsonl');
  fs.writeFileSync(
    file,
    [
      { question: 'Using the numbers [1, 2, 3, 4], make 24.', answer: '1*2*3*4', answer_kind: 'gameof24' },
      { question: 'Make 24 from the card.', answer: '?', answer_kind: 'gameof24' },
      { question: 'Using the numbers [2, 3, 4, 6], make 24.', answer: '(6-2)*(4+3-1)', answer_kind: 'gameof24' },
    ]
      .map((item) => JSON.stringify(item))
      .join('\n'),
  );
  const refused = inflow(dataDir, 'datasets', 'import', file);
  assert.equal(refused.status, 4, refused.stderr);
  assert.match(refused.stderr, /line 2 \("Make 24 from the card\."\): its four numbers cannot be read/);
  const kept = inflow(dataDir, '--json', 'datasets', 'import', file, '--skip-unscorable', '--heldout', '0');
  assert.equal(kept.status, 0, `nothing was stored by the refused import, so the same name imports now: ${kept.stderr}`);
  assert.match(kept.stderr, /Left out line 2/);
  assert.deepEqual((JSON.parse(kept.stdout) as { counts: unknown }).counts, { train: 2, heldout: 0 });
});
