import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';
import { peftFolder } from './peft-fixture.ts';

const cli = path.join(repoRoot, 'electron', 'cli', 'index.ts');
const inflow = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, [cli, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 240_000 });

test(
  'inflow train runs Flow-GRPO steps on a dataset file with live metrics, then status, export and resume behave',
  { timeout: 300_000 },
  async () => {
    const dataDir = tempDir();
    const file = path.join(tempDir(), 'sums.jsonl');
    fs.writeFileSync(
      file,
      ['What is 2 + 2?', 'What is 3 + 5?', 'What is 7 - 4?', 'What is 6 / 2?']
        .map((question, i) => JSON.stringify({ question, answer: [4, 8, 3, 3][i], answer_kind: 'exact' }))
        .join('\n'),
    );
    const run = inflow(
      dataDir,
      'train',
      '--dataset',
      file,
      '--model',
      testModelPath(),
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
      '--threads',
      '1',
      '--cpu',
      '--rank',
      '4',
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Imported 3 training and 1 held-out items as dataset "sums"/);
    assert.match(run.stdout, /step +0 +base model held-out/);
    assert.match(run.stdout, /step +1 +reward \d\.\d{3}±/);
    assert.match(run.stdout, /Stopped \(steps\) after step 1/);
    assert.match(run.stderr, /\[[#-]+\] step 1\/1 rollout/);

    const status = inflow(dataDir, '--json', 'train', 'status');
    const parsed = JSON.parse(status.stdout) as {
      run: { status: string; lastCompletedStep: number };
      steps: Array<{ step: number; metrics: Record<string, unknown> }>;
    };
    assert.deepEqual([parsed.run.status, parsed.run.lastCompletedStep], ['completed', 1]);
    assert.equal(parsed.steps[1]!.metrics.rollouts, 2);

    const out = path.join(tempDir(), 'export');
    const exported = inflow(dataDir, 'train', 'export', '--out', out);
    assert.equal(exported.status, 0, exported.stderr);
    const lines = fs.readFileSync(path.join(out, 'trajectories.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);

    // a schedule the trainer does not know is refused before anything runs, naming the setting and its choices
    const badSchedule = inflow(dataDir, 'train', '--dataset', file, '--model', testModelPath(), '--lr-schedule', 'step', '--cpu');
    assert.equal(badSchedule.status, 4, badSchedule.stderr);
    assert.match(badSchedule.stderr, /Training setting lrSchedule is "step"; it must be "constant", "cosine" or "linear"\./);

    const again = inflow(dataDir, 'train', '--resume');
    assert.equal(again.status, 3);
    assert.match(again.stderr, /no unfinished training run/);
    // a resume (here: one more step of the completed run) keeps the context, agent steps and threads stored with the run
    const runId = (JSON.parse(inflow(dataDir, '--json', 'train', 'list').stdout) as Array<{ id: string }>)[0]!.id;
    const more = inflow(dataDir, 'train', '--resume', runId, '--steps', '2', '--cpu');
    assert.equal(more.status, 0, more.stderr);
    assert.match(more.stdout, new RegExp(`Resuming run ${runId} after step 1 \\(context 1024, 1 agent steps, 1 threads\\)`));
    assert.match(more.stdout, /Stopped \(steps\) after step 2/);
    // the completed run's trainer states were pruned by the retention rule: it goes on from its adapter, and says so
    assert.match(more.stdout + more.stderr, /fresh optimizer moments/);
    const bad = inflow(dataDir, 'train', '--dataset', file, '--model', path.join(dataDir, 'missing.gguf'));
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /No model file/);

    // Adapter lifecycle from the CLI: import a PEFT LoRA, evaluate it on held-out, promote, roll back.
    const model = testModelPath();
    const imported = inflow(dataDir, '--json', 'adapters', 'import', peftFolder({ scale: 0.5 }), '--model', model);
    assert.equal(imported.status, 0, imported.stderr);
    const adapter = JSON.parse(imported.stdout) as { id: string; version: number };
    const evaluated = inflow(dataDir, 'adapters', 'eval', adapter.id, '--dataset', 'sums', '--max-steps', '1', '--threads', '1');
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.match(evaluated.stdout, new RegExp(`v${adapter.version}: \\d/1 held-out correct`));
    assert.equal(inflow(dataDir, 'adapters', 'promote', adapter.id).status, 0);
    const listed = inflow(dataDir, 'adapters', 'list', '--model', model);
    assert.match(listed.stdout, new RegExp(`\\* v${adapter.version} +promoted +held-out +\\d`));
    const back = inflow(dataDir, 'adapters', 'rollback', '--model', model);
    assert.match(back.stdout, /Rolled back to the base model/);
  },
);
