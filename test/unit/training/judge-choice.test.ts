import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { chooseTrainingJudge, sameModelFile } from '../../../electron/core/training/flow-grpo/judge-choice.ts';
import { resolveTrainingConfig } from '../../../electron/core/training/flow-grpo/training-config.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

// A random test planner that judged its own answers rewarded every one 1.0, so nothing was trained: the judge of
// a training run must never be the model being trained.
describe('the judge of a training run', () => {
  const planner = testModelPath();
  const other = testModelPath({ nLayer: 3 });
  const copy = path.join(tempDir(), 'renamed-planner.gguf');
  fs.copyFileSync(planner, copy);

  it("is refused when it is the planner's model, by the same path or as a renamed copy", () => {
    for (const judgePath of [planner, copy]) {
      assert.throws(
        () => chooseTrainingJudge({ plannerPath: planner, judgePath }),
        (e: unknown) => InflowError.isInstance(e) && e.code === 'JUDGE_INVALID' && /model being trained/.test(e.message),
      );
    }
    assert.ok(sameModelFile(copy, planner));
    assert.equal(sameModelFile(other, planner), false);
  });
  it("defaults to the executor's model when that is a different model, else to none", () => {
    assert.deepEqual(chooseTrainingJudge({ plannerPath: planner, executorPath: other }).path, other);
    const none = chooseTrainingJudge({ plannerPath: planner, executorPath: planner });
    assert.equal(none.path, null);
    assert.match(none.reason, /must not grade itself/);
    assert.equal(chooseTrainingJudge({ plannerPath: planner }).path, null);
    assert.equal(resolveTrainingConfig().judgeModel, null, 'a run without a choice has no judge');
  });
  it('honours a picked model and --no-judge, and names a missing file', () => {
    assert.equal(chooseTrainingJudge({ plannerPath: planner, judgePath: other, executorPath: planner }).path, other);
    assert.equal(chooseTrainingJudge({ plannerPath: planner, judgePath: other, noJudge: true }).path, null);
    assert.throws(
      () => chooseTrainingJudge({ plannerPath: planner, judgePath: path.join(tempDir(), 'nope.gguf') }),
      (e: unknown) => InflowError.isInstance(e) && e.code === 'JUDGE_NOT_FOUND',
    );
  });
  it('inflow train refuses the planner as its own judge (exit 4) before loading anything', () => {
    const dataset = path.join(tempDir(), 'd.jsonl');
    fs.writeFileSync(dataset, `${JSON.stringify({ question: 'Capital of France?', answer: 'Paris' })}\n`);
    const run = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'electron', 'cli', 'index.ts'),
        '--data-dir',
        tempDir(),
        'train',
        '--dataset',
        dataset,
        '--model',
        planner,
        '--judge-model',
        copy,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr, /is the model being trained/);
    assert.match(run.stderr, /--no-judge/);
  });
});
