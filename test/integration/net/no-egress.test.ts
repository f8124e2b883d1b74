import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

/**
 * With the web off (the default), an ask, a training step and an evaluation open no connection to anything but
 * this computer: each runs as the real CLI with a guard (test/support/egress-guard.ts, loaded through
 * NODE_OPTIONS so the trainer process gets it too) that records and refuses every non-loopback connect, DNS
 * lookup and UDP send. A control run proves the guard catches attempts. The egress log stays empty as well.
 */
const cli = path.join(repoRoot, 'electron', 'cli', 'index.ts');
const guard = pathToFileURL(path.join(repoRoot, 'test', 'support', 'egress-guard.ts')).href;
const dataDir = tempDir('inflow-no-egress-');
const recordFile = path.join(tempDir(), 'egress.jsonl');

function guarded(args: string[], timeout = 240_000) {
  return spawnSync(process.execPath, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, INFLOW_EGRESS_RECORD: recordFile, NODE_OPTIONS: `--import=${guard}`, INFLOW_DATA_DIR: '' },
  });
}
const inflow = (...args: string[]) => guarded([cli, '--data-dir', dataDir, ...args]);
const attempts = () =>
  fs.existsSync(recordFile)
    ? fs
        .readFileSync(recordFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { host: string; kind: string; argv: string })
    : [];

test('the guard records and refuses a connection to another computer (control)', () => {
  const probe = guarded([
    '--input-type=module',
    '-e',
    "try { await fetch('http://192.0.2.7/', { signal: AbortSignal.timeout(5000) }); } catch {} try { await fetch('https://example.com/'); } catch {}",
  ]);
  assert.equal(probe.status, 0, probe.stderr);
  assert.deepEqual(
    attempts().map((entry) => entry.host),
    ['192.0.2.7', 'example.com'],
  );
  fs.rmSync(recordFile);
});

test('ask, a Flow-GRPO training step and an evaluation with the web off reach no other computer', { timeout: 600_000 }, () => {
  const model = testModelPath();
  const common = ['--threads', '1', '--cpu'];
  const ask = inflow('ask', 'What is 17 * 23 + 5?', '--model', model, '--max-steps', '1', '--context-size', '2048', ...common);
  assert.equal(ask.status, 0, ask.stderr);
  assert.match(ask.stdout, /Answer|answer/);

  const dataset = path.join(tempDir(), 'sums.jsonl');
  fs.writeFileSync(
    dataset,
    ['What is 2 + 2?', 'What is 3 + 5?', 'What is 7 - 4?', 'What is 6 / 2?']
      .map((question, i) => JSON.stringify({ question, answer: [4, 8, 3, 3][i], answer_kind: 'exact' }))
      .join('\n'),
  );
  const train = inflow(
    'train',
    '--dataset',
    dataset,
    '--model',
    model,
    '--steps',
    '1',
    '--group',
    '2',
    '--tasks-per-step',
    '1',
    '--heldout',
    '0.25',
    '--max-steps',
    '1',
    '--context',
    '1024',
    '--rank',
    '4',
    ...common,
  );
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stdout, /step +1 +reward/);

  const benchmark = path.join(tempDir(), 'bench.jsonl');
  fs.writeFileSync(benchmark, `${JSON.stringify({ question: 'What is 1 + 1?', answer: '2', answer_kind: 'numeric' })}\n`);
  const evaluation = inflow(
    'eval',
    '--benchmark',
    benchmark,
    '--model',
    model,
    '--limit',
    '1',
    '--no-judge',
    '--max-steps',
    '1',
    '--context-size',
    '2048',
    ...common,
  );
  assert.equal(evaluation.status, 0, evaluation.stderr);

  assert.deepEqual(attempts(), [], 'no process tried to reach another computer');
  const covered = fs.readFileSync(`${recordFile}.loaded`, 'utf8');
  for (const part of [' ask ', ' train ', ' eval ', 'trainer-worker'])
    assert.ok(covered.includes(part), `the guard ran in the ${part.trim()} process`);
  const egress = inflow('--json', 'doctor', '--egress');
  assert.equal(egress.status, 0, egress.stderr);
  assert.deepEqual((JSON.parse(egress.stdout) as { egress: unknown[] }).egress, [], 'the egress log is empty');
});
