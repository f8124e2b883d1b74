import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { progressAsLines } from '../../../electron/cli/output.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('progress written with carriage returns becomes lines when stderr is a file or a pipe', async () => {
  const file = path.join(tempDir(), 'stderr.txt');
  const target = fs.createWriteStream(file);
  const stderr = progressAsLines(target, () => false);
  // what `inflow train` writes: updates of one status line, an erase before a result line, a warning
  stderr.write('\r[1/3] rollout 1/8');
  stderr.write('\r[1/3] rollout 2/8');
  stderr.write('\r[1/3] rollout 2/8');
  stderr.write('\r\x1b[K');
  stderr.write('step 1: reward 0.50\n');
  stderr.write('\r[2/3] update 40%   ');
  stderr.write('\r\x1b[K');
  stderr.write('  warning: slow\n');
  stderr.end();
  await once(stderr, 'finish');
  target.end();
  await once(target, 'close');
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(text, '[1/3] rollout 1/8\n[1/3] rollout 2/8\nstep 1: reward 0.50\n[2/3] update 40%\n  warning: slow\n');
  assert.doesNotMatch(text, /[\r\x1b]/);
});

test('on a terminal the stream is left as it is', () => {
  const terminal = Object.assign(fs.createWriteStream('/dev/null'), { isTTY: true });
  assert.equal(
    progressAsLines(terminal, () => false),
    terminal,
  );
  terminal.destroy();
});
