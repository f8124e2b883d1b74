import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AdapterRegistry } from '../../../electron/core/adapters/adapter-registry.ts';
import { createBackend } from '../../../electron/core/backend.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testLoraPath, testModelPath } from '../../support/test-model.ts';

const dataDir = tempDir();
const inflow = (...args: string[]) => {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'electron/cli/index.ts'), ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('inflow eval (CLI, real GGUF)', () => {
  it('runs a benchmark file, lists it, and writes the text, JSON and HTML reports', () => {
    const file = path.join(dataDir, 'two.jsonl');
    fs.writeFileSync(file, '{"question":"What is 6*7?","answer":42}\n{"question":"Capital of Peru?","answer":"Lima"}\n');
    const second = path.join(dataDir, 'one.json');
    fs.writeFileSync(
      second,
      JSON.stringify([{ question: 'Using the numbers [1, 1, 1, 8], make 24.', answer: ['(1+1+1)*8'], answer_kind: 'gameof24' }]),
    );
    const model = testModelPath();
    const run = inflow(
      'eval',
      '--benchmark',
      file,
      '--benchmark',
      second,
      '--model',
      model,
      '--limit',
      '2',
      '--no-judge',
      '--cpu',
      '--threads',
      '1',
      '--context-size',
      '2048',
      '--max-steps',
      '1',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Starting evaluation eval_\w+: two/);
    assert.match(run.stdout, /\[2\/2\] item 1 (correct|wrong)/);
    assert.match(run.stdout, /Starting evaluation eval_\w+: one/);
    assert.match(run.stdout, /\[1\/1\] item 0 (correct|wrong) \(gameof24: /);
    assert.match(run.stdout, /two\s+\S+ \(base\)\s+2\/2/);
    assert.match(run.stdout, /one\s+\S+ \(base\)\s+1\/1/);
    const htmlFile = /Report: (.+\.html)/.exec(run.stdout)?.[1];
    assert.ok(htmlFile !== undefined && fs.readFileSync(htmlFile, 'utf8').startsWith('<!doctype html>'));
    const json = JSON.parse(fs.readFileSync(htmlFile.replace(/\.html$/, '.json'), 'utf8')) as { summaries: Array<{ scored: number }> };
    assert.deepEqual(
      json.summaries.map((s) => s.scored),
      [2, 1],
    );

    const list = inflow('eval', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    const evaluations = JSON.parse(list.stdout) as Array<{ id: string; benchmark: string; status: string; scored: number }>;
    assert.deepEqual(
      evaluations.map((e) => [e.benchmark, e.status, e.scored]),
      [
        ['one', 'completed', 1],
        ['two', 'completed', 2],
      ],
    );
    evaluations.reverse();

    const items = inflow('eval', 'items', evaluations[0]!.id);
    assert.equal(items.code, 0, items.stderr);
    assert.match(items.stdout, /^#0 (correct|wrong) \((numeric|judge)\) answer .* expected "42"$/m);
    assert.match(items.stdout, /^#1 (correct|wrong) .* expected "Lima"$/m);
    assert.match(items.stdout, /^ {4}Q: Capital of Peru\?$/m);

    const report = inflow('eval', 'report', evaluations[0]!.id, '--html', path.join(dataDir, 'r.html'));
    assert.equal(report.code, 0, report.stderr);
    assert.ok(fs.existsSync(path.join(dataDir, 'r.html')) && fs.existsSync(path.join(dataDir, 'r.json')));
  });

  it('evaluates an adapter against the base model on the same items and reports them side by side', async () => {
    const backend = await createBackend({ dataDir });
    const adapter = new AdapterRegistry(backend.db).register({ path: testLoraPath(), baseModel: 'test' });
    await backend.close();
    const file = path.join(dataDir, 'pair.json');
    fs.writeFileSync(
      file,
      JSON.stringify([
        { question: '2+2?', answer: 4 },
        { question: 'Sky colour?', answer: 'blue' },
      ]),
    );
    const run = inflow(
      'eval',
      '--benchmark',
      file,
      '--model',
      testModelPath(),
      '--adapter',
      adapter.id,
      '--against',
      'base',
      '--no-judge',
      '--cpu',
      '--threads',
      '1',
      '--context-size',
      '2048',
      '--max-steps',
      '1',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      summaries: Array<{ label: string; scored: number; evaluation: { adapterId: string | null } }>;
      comparisons: Array<{ paired: number; pValue: number }>;
    };
    assert.deepEqual(
      report.summaries.map((s) => [s.evaluation.adapterId, s.scored]),
      [
        [null, 2],
        [adapter.id, 2],
      ],
    );
    assert.equal(report.comparisons.length, 1);
    assert.equal(report.comparisons[0]!.paired, 2);
    assert.ok(report.comparisons[0]!.pValue > 0 && report.comparisons[0]!.pValue <= 1);
  });

  it('stops cleanly on Ctrl-C (exit 130) and the same command resumes without rescoring', async () => {
    const file = path.join(dataDir, 'four.json');
    fs.writeFileSync(
      file,
      JSON.stringify(
        ['Sky?', 'Grass?', 'Snow?', 'Coal?'].map((question, index) => ({ question, answer: ['blue', 'green', 'white', 'black'][index] })),
      ),
    );
    const args = [
      path.join(repoRoot, 'electron/cli/index.ts'),
      'eval',
      '--benchmark',
      file,
      '--model',
      testModelPath(),
      '--no-judge',
      '--cpu',
      '--threads',
      '1',
      '--context-size',
      '2048',
      '--max-steps',
      '1',
      '--tools',
      'generalist',
      '--data-dir',
      dataDir,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/\[1\/4\]/.test(stdout) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, stdout);
    assert.match(stdout, /Stopped\. Run the same command again to resume evaluation (eval_\w+)/);
    const id = /resume evaluation (eval_\w+)/.exec(stdout)![1]!;
    const scoredBefore = stdout.match(/^ {2}\[\d\/4\] item/gm)?.length ?? 0;
    assert.ok(scoredBefore >= 1 && scoredBefore < 4, stdout);

    const again = inflow(...args.slice(1, -2));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Resuming evaluation ${id}: four, .*; ${scoredBefore} scored, ${4 - scoredBefore} to run`));
    const list = JSON.parse(inflow('eval', 'list', '--json').stdout) as Array<{ id: string; scored: number; status: string }>;
    assert.deepEqual(
      list.filter((e) => e.id === id).map((e) => [e.scored, e.status]),
      [[4, 'completed']],
    );
  });

  it('fails with a clear message and exit code for a bad benchmark before loading any model', () => {
    const unknown = inflow('eval', '--benchmark', 'mmlu');
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /Unknown benchmark "mmlu"/);
    const file = path.join(dataDir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify([{ question: 'a', answer: 'b' }, { question: 'c' }]));
    const bad = inflow('eval', '--benchmark', file);
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /bad\.json: item 1 .*has no answer/);
    const missing = inflow('eval', 'report', 'eval_nope');
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /No evaluation eval_nope/);
  });
});
