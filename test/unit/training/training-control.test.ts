import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import type { RolloutAgent } from '../../../electron/core/training/flow-grpo/rollout-agent.ts';
import type { PolicyTrainer } from '../../../electron/core/training/trainer/trainer-protocol.ts';
import { parseDuration, resolveTrainingConfig, storedTrainingConfig } from '../../../electron/core/training/flow-grpo/training-config.ts';
import { train, type TrainingEvent } from '../../../electron/core/training/flow-grpo/training-loop.ts';
import { tempDir } from '../../support/temp-dir.ts';

/** Budgets, plateau, idle waiting and settings checks of the loop, with an agent that records one planner turn per run. */
function setup(answers: (index: number) => string) {
  const dir = tempDir();
  const db = openDatabase(path.join(dir, 'inflow.db'));
  const runs = new RunStore(db);
  const dataset = new DatasetStore(db).create(
    [1, 2, 3, 4, 5, 6].map((n) => ({
      question: `q${n}`,
      answer: 'yes',
      answerKind: 'exact' as const,
      split: n > 4 ? ('heldout' as const) : ('train' as const),
    })),
    { name: 'd' },
  );
  let count = 0;
  const agent: RolloutAgent = async ({ task, kind, groupId }) => {
    const run = runs.startRun({ taskId: task.id, kind, ...(groupId ? { groupId } : {}) });
    runs.recordModuleCall({
      runId: run.id,
      module: 'planner',
      promptText: 'p',
      responseText: 'r',
      promptTokens: [1, 2, 3],
      responseTokens: [4, 5],
      responseLogprobs: [-1, -1],
      startedAt: Date.now(),
      durationMs: 1,
    });
    const answer = answers(count++);
    runs.endRun(run.id, { stopReason: 'answered', answer });
    return { runId: run.id, answer, stopReason: 'answered' };
  };
  const trainer: PolicyTrainer = {
    async step() {
      return { loss: 0, kl: 0, clipFraction: 0, tokens: 5, durationMs: 1 };
    },
    async saveAdapter(file) {
      fs.writeFileSync(file, 'a');
    },
    async saveState(file) {
      fs.writeFileSync(file, 's');
    },
    async loadState() {},
    async close() {},
  };
  const base = {
    db,
    runs,
    agent,
    planner: { async setAdapter() {} },
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => trainer,
    datasetId: dataset.id,
    baseModel: 'm.gguf',
  };
  return { base, db };
}

test('a reward plateau stops the run early', async () => {
  const { base, db } = setup((i) => (i % 2 ? 'yes' : 'no'));
  const result = await train({ ...base, config: { steps: 20, groupSize: 2, tasksPerStep: 1, plateauPatience: 2, evalEvery: 50 } });
  assert.equal(result.stopReason, 'plateau');
  assert.ok(result.lastCompletedStep >= 3 && result.lastCompletedStep < 20);
  db.close();
});

test('the step budget and the wall-time budget both stop a run, which can then be resumed for more steps', async () => {
  const { base, db } = setup(() => 'yes');
  const timed = await train({ ...base, config: { steps: 50, groupSize: 2, tasksPerStep: 1, budgetMs: 1, evalEvery: 50 } });
  assert.equal(timed.stopReason, 'budget');
  assert.ok(timed.lastCompletedStep < 50);
  const more = await train({ ...base, resumeRunId: timed.trainingRunId, config: { steps: 3, budgetMs: 0 } });
  assert.deepEqual([more.stopReason, more.lastCompletedStep], ['steps', 3]);
  db.close();
});

test('with only-when-idle the loop waits while the machine is busy', async () => {
  const { base, db } = setup(() => 'yes');
  let checks = 0;
  const events: TrainingEvent[] = [];
  const result = await train({
    ...base,
    isIdle: () => ++checks > 2,
    idlePollMs: 10,
    onEvent: (e) => events.push(e),
    config: { steps: 1, groupSize: 2, tasksPerStep: 1, onlyWhenIdle: true },
  });
  assert.equal(result.lastCompletedStep, 1);
  assert.equal(checks, 3);
  assert.ok(events.some((e) => e.type === 'phase' && e.phase === 'idle-wait'));
  db.close();
});

test('bad settings are refused naming the field; durations parse', () => {
  assert.throws(
    () => resolveTrainingConfig({ groupSize: 1 }),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'TRAINING_CONFIG_INVALID' && /groupSize/.test(e.message),
  );
  assert.throws(() => resolveTrainingConfig({ temperature: 0 }), /temperature/);
  assert.throws(() => resolveTrainingConfig({ lora: { rank: 8, alpha: 16, targets: [] } }), /lora\.targets/);
  assert.deepEqual(resolveTrainingConfig().lora.targets, ['q', 'k', 'v', 'o']);
  assert.equal(resolveTrainingConfig().clipHigh, 0.3);
  // the zod rules state the field, its value and the rule, as the hand checks did
  assert.throws(() => resolveTrainingConfig({ groupSize: 2.5 }), { message: 'Training setting groupSize is 2.5; it must be an integer ≥ 2.' });
  assert.throws(() => resolveTrainingConfig({ dualClip: 1 }), {
    message: 'Training setting dualClip is 1; it must be 0 (off) or above 1 (the reference: 3).',
  });
  assert.throws(() => resolveTrainingConfig({ objective: 'rl' as 'grpo' }), {
    message: 'Training setting objective is "rl"; it must be "grpo" or "sft".',
  });
  assert.throws(
    () => resolveTrainingConfig({ lora: { rank: 0, alpha: 16, targets: ['q'] } }),
    /Training setting lora\.rank is 0; it must be an integer ≥ 1\./,
  );
  assert.throws(
    () => resolveTrainingConfig({ lora: { rank: 8, alpha: 16, targets: [1 as unknown as string] } }),
    /Training setting lora\.targets is \[1\]; it must be a non-empty list/,
  );
  assert.equal(resolveTrainingConfig({ dualClip: 0, evalLimit: 0, threads: 0 }).dualClip, 0);
  assert.throws(() => resolveTrainingConfig({ evalParallel: -1 }), {
    message: 'Training setting evalParallel is -1; it must be an integer ≥ 0.',
  });
  // a run recorded before evalParallel existed keeps evaluating on every sequence; a new one evaluates one item at a time
  assert.equal(storedTrainingConfig({ steps: 5 }).evalParallel, 0);
  assert.equal(resolveTrainingConfig().evalParallel, 1);
  // the learning rate is constant unless a decay is asked for; a stored run without the setting stays constant
  assert.equal(resolveTrainingConfig().lrSchedule, 'constant');
  assert.equal(storedTrainingConfig({ steps: 5 }).lrSchedule, 'constant');
  assert.throws(() => resolveTrainingConfig({ lrSchedule: 'step' as 'cosine' }), {
    message: 'Training setting lrSchedule is "step"; it must be "constant", "cosine" or "linear".',
  });
  assert.throws(() => resolveTrainingConfig({ lrMinRatio: 1.5 }), {
    message: 'Training setting lrMinRatio is 1.5; it must be in [0, 1] (a fraction of the learning rate).',
  });
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.throws(
    () => parseDuration('soon'),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'USAGE',
  );
});

test('when the planner says GPU memory is short, it is unloaded for the update and reloaded before the adapter swap', async () => {
  const { base, db } = setup((i) => (i % 2 ? 'yes' : 'no'));
  const calls: string[] = [];
  const planner = {
    async setAdapter(p: string | null) {
      calls.push(`setAdapter ${p === null ? 'base' : path.basename(p)}`);
    },
    async unload() {
      calls.push('unload');
    },
    async reload() {
      calls.push('reload');
    },
    memoryIsShort: () => true,
  };
  const trainer: PolicyTrainer = {
    async step() {
      calls.push('step');
      return { loss: 0, kl: 0, clipFraction: 0, tokens: 5, durationMs: 1 };
    },
    async saveAdapter(file) {
      calls.push('saveAdapter');
      fs.writeFileSync(file, 'a');
    },
    async saveState(file) {
      fs.writeFileSync(file, 's');
    },
    async loadState() {},
    async close() {},
  };
  await train({ ...base, planner, startTrainer: async () => trainer, config: { steps: 1, groupSize: 2, tasksPerStep: 1, evalEvery: 5 } });
  const from = calls.indexOf('unload');
  assert.deepEqual(calls.slice(from), ['unload', 'step', 'saveAdapter', 'reload', 'setAdapter step-0001.gguf']);
  db.close();
});
