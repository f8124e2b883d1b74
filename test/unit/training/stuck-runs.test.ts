import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { toPoint } from '../../../electron/core/api/training-service.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { createAgentRollout } from '../../../electron/core/training/flow-grpo/agent-rollout.ts';
import { fitSamples } from '../../../electron/core/training/flow-grpo/step-samples.ts';
import { seededRandom } from '../../../electron/core/training/seeded-random.ts';
import type { PolicyTrainer, TrainStepRequest } from '../../../electron/core/training/trainer/trainer-protocol.ts';
import { train, type TrainingEvent } from '../../../electron/core/training/flow-grpo/training-loop.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { ScriptedLanguageModel, type ScriptedTurn } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { syntheticItems, syntheticSetup } from '../../integration/training/synthetic-suite.ts';

/**
 * Issue #16.2 and #11 §4: a default run must not get stuck. Samples longer than the rollouts' context are cut to fit
 * or dropped before the update, and counted; a step whose every rollout failed fails the run loudly; a resume keeps
 * the run's stored context, agent steps and threads; held-out evaluation is capped by default; a run that cannot
 * learn says why.
 */
function planner(pick: () => 'reverser' | 'counter', justification = 'j'): ScriptedLanguageModel {
  const turn: ScriptedTurn = () => ({ json: { justification, context: 'c', sub_goal: 's', tool_name: pick() } });
  return new ScriptedLanguageModel({ id: 'planner', turns: Array.from({ length: 5000 }, () => turn) });
}

function recordingTrainer(requests: TrainStepRequest[]): PolicyTrainer {
  return {
    async step(request) {
      requests.push(request);
      return { loss: 0.5, kl: 0.01, clipFraction: 0, tokens: 10, durationMs: 5 };
    },
    async saveAdapter(file) {
      fs.writeFileSync(file, 'adapter');
    },
    async saveState(file) {
      fs.writeFileSync(file, '{}');
    },
    async loadState() {},
    async close() {},
  };
}

function setup(items = syntheticItems({ train: 8, heldOut: 2 })) {
  const dir = tempDir();
  const db = openDatabase(path.join(dir, 'inflow.db'));
  const runs = new RunStore(db);
  const dataset = new DatasetStore(db).create(items, { name: 'words' });
  return { dir, db, runs, dataset, planner: { async setAdapter() {} } };
}

test('samples longer than the context are truncated to fit or dropped before the update, and counted', async () => {
  const { dir, db, runs, dataset, planner: handle } = setup();
  const random = seededRandom(5);
  // a long justification makes the planner's response longer than the room left by its prompt in a 300-token context (prompts ~235 tokens, responses ~150)
  const agent = createAgentRollout({
    store: runs,
    planner: planner(() => (random() < 0.5 ? 'reverser' : 'counter'), 'because '.repeat(120)),
    setup: syntheticSetup,
    limits: { maxSteps: 1 },
  });
  const requests: TrainStepRequest[] = [];
  const result = await train({
    db,
    runs,
    datasetId: dataset.id,
    baseModel: 'base.gguf',
    agent,
    planner: handle,
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => recordingTrainer(requests),
    config: { steps: 2, groupSize: 4, tasksPerStep: 2, contextSize: 300 },
  });
  const steps = new TrainingStore(db)
    .stepMetrics(result.trainingRunId)
    .slice(1)
    .map((s) => s.metrics);
  const truncated = steps.reduce((n, m) => n + Number(m.truncatedSamples ?? 0), 0);
  assert.ok(truncated > 0, 'the samples that did not fit were cut and counted');
  const sent = requests.flatMap((r) => r.samples);
  assert.ok(sent.length > 0);
  for (const sample of sent) {
    assert.ok(sample.promptTokens.length + sample.responseTokens.length <= 300, 'no sample over the limit reaches the trainer');
    assert.equal(sample.oldLogprobs?.length, sample.responseTokens.length);
  }
  // a sample whose prompt alone fills the context cannot be cut to fit: it is dropped, and counted
  const long = { promptTokens: Array.from({ length: 300 }, () => 5), responseTokens: [1, 2], advantage: 1 };
  const fits = { promptTokens: [1, 2, 3], responseTokens: [4, 5, 6, 7], advantage: -1, oldLogprobs: [-1, -2, -3, -4] };
  assert.deepEqual(fitSamples([long, fits], 300), { samples: [fits], truncated: 0, dropped: 1 });
  assert.deepEqual(fitSamples([fits], 5), { samples: [{ ...fits, responseTokens: [4, 5], oldLogprobs: [-1, -2] }], truncated: 1, dropped: 0 });
  db.close();
});

test('a step whose every rollout failed fails the run loudly, with the cause', async () => {
  const { dir, db, runs, dataset, planner: handle } = setup();
  const failing = new ScriptedLanguageModel({
    id: 'planner',
    turns: Array.from({ length: 100 }, () => new InflowError('CONTEXT_OVERFLOW', 'The prompt has 50000 tokens; the context holds 4096.')),
  });
  const agent = createAgentRollout({ store: runs, planner: failing, setup: syntheticSetup, limits: { maxSteps: 1 } });
  let runId = '';
  await assert.rejects(
    train({
      db,
      runs,
      datasetId: dataset.id,
      baseModel: 'base.gguf',
      agent,
      planner: handle,
      adaptersDir: path.join(dir, 'adapters'),
      startTrainer: async () => recordingTrainer([]),
      config: { steps: 2, groupSize: 2, tasksPerStep: 1 },
      onEvent: (e) => {
        if (e.type === 'started') runId = e.run.id;
      },
    }),
    (error: unknown) =>
      (error as InflowError).code === 'TRAINING_ROLLOUTS_FAILED' &&
      /Every rollout of step 1 failed/.test((error as Error).message) &&
      /50000 tokens/.test((error as Error).message),
  );
  assert.equal(new TrainingStore(db).getRun(runId).status, 'failed');
  db.close();
});

test('a resume keeps the context, agent steps and threads stored with the run unless they are given again', async () => {
  const { dir, db, runs, dataset, planner: handle } = setup();
  const random = seededRandom(2);
  const agent = createAgentRollout({
    store: runs,
    planner: planner(() => (random() < 0.5 ? 'reverser' : 'counter')),
    setup: syntheticSetup,
    limits: { maxSteps: 1 },
  });
  const options = { db, runs, agent, planner: handle, adaptersDir: path.join(dir, 'adapters'), startTrainer: async () => recordingTrainer([]) };
  const first = await train({
    ...options,
    datasetId: dataset.id,
    baseModel: 'base.gguf',
    config: { steps: 1, groupSize: 2, tasksPerStep: 1, contextSize: 1024, maxAgentSteps: 1, threads: 1 },
  });
  const store = new TrainingStore(db);
  await train({ ...options, resumeRunId: first.trainingRunId, config: { steps: 2 } });
  assert.deepEqual(pick(store.getRun(first.trainingRunId).config), { steps: 2, contextSize: 1024, maxAgentSteps: 1, threads: 1 });
  await train({ ...options, resumeRunId: first.trainingRunId, config: { steps: 3, contextSize: 2048 } });
  assert.deepEqual(pick(store.getRun(first.trainingRunId).config), { steps: 3, contextSize: 2048, maxAgentSteps: 1, threads: 1 });
  db.close();
});

const pick = (c: { steps: number; contextSize: number; maxAgentSteps: number; threads: number }) => ({
  steps: c.steps,
  contextSize: c.contextSize,
  maxAgentSteps: c.maxAgentSteps,
  threads: c.threads,
});

test('held-out evaluation is capped at 100 items by default', async () => {
  const { dir, db, runs, dataset, planner: handle } = setup(syntheticItems({ train: 4, heldOut: 130 }));
  const agent = createAgentRollout({ store: runs, planner: planner(() => 'reverser'), setup: syntheticSetup, limits: { maxSteps: 1 } });
  await train({
    db,
    runs,
    datasetId: dataset.id,
    baseModel: 'base.gguf',
    agent,
    planner: handle,
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => recordingTrainer([]),
    config: { steps: 1, groupSize: 2, tasksPerStep: 1, evalEvery: 5 },
  });
  const evals = db.prepare("SELECT COUNT(*) AS n FROM runs WHERE kind = 'eval'").get() as { n: number };
  assert.equal(evals.n, 200, 'the base model and step 1 each on the first 100 held-out items, not 130');
  db.close();
});

test('a run that cannot learn says so, with the cause and a fix', async () => {
  const { dir, db, runs, dataset, planner: handle } = setup();
  // the planner always answers with the reverser: every count task fails, every reverse task succeeds, so every
  // group's rewards are all equal and no update is ever made
  const agent = createAgentRollout({ store: runs, planner: planner(() => 'reverser'), setup: syntheticSetup, limits: { maxSteps: 1 } });
  const events: TrainingEvent[] = [];
  const requests: TrainStepRequest[] = [];
  const result = await train({
    db,
    runs,
    datasetId: dataset.id,
    baseModel: 'base.gguf',
    agent,
    planner: handle,
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => recordingTrainer(requests),
    onEvent: (e) => events.push(e),
    config: { steps: 4, groupSize: 2, tasksPerStep: 2 },
  });
  assert.equal(requests.length, 0);
  const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.warning] : []));
  assert.deepEqual(
    warnings.map((w) => w.code),
    ['NO_LEARNING_SIGNAL', 'NO_ADAPTER_WRITTEN'],
  );
  assert.match(warnings[0]!.message, /No learning in steps 1-3: each task's rollouts all got the same reward/);
  assert.match(warnings[0]!.hint, /--temperature or --group/);
  assert.match(warnings[1]!.message, /No adapter was written in 4 steps/);
  assert.deepEqual(result.warnings, warnings);
  // stored with the steps, so the app's Training screen shows them (also after a restart)
  const points = new TrainingStore(db).stepMetrics(result.trainingRunId).map((s) => toPoint(s.step, s.createdAt, s.metrics));
  assert.match(points[3]!.warning ?? '', /No learning in steps 1-3: .* Fix: Raise --temperature/);
  assert.match(points[4]!.warning ?? '', /No adapter was written in 4 steps/);
  db.close();
});
