import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { AdapterRegistry } from '../../../electron/core/adapters/adapter-registry.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { createAgentRollout } from '../../../electron/core/training/flow-grpo/agent-rollout.ts';
import { exportTrainingSamples } from '../../../electron/core/training/flow-grpo/export-samples.ts';
import { seededRandom } from '../../../electron/core/training/seeded-random.ts';
import type { PolicyTrainer, TrainStepRequest } from '../../../electron/core/training/trainer/trainer-protocol.ts';
import { train, type TrainingEvent } from '../../../electron/core/training/flow-grpo/training-loop.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { ScriptedLanguageModel, type ScriptedTurn } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { syntheticItems, syntheticSetup } from '../../integration/training/synthetic-suite.ts';

/**
 * Control flow of the training loop with a scripted planner (a coin flip between the two tools) and a recording
 * trainer: which samples reach the update, what a step stores, and how a failed step is redone on resume.
 * The real engine and native trainer are exercised by test/integration/training/.
 */
function scriptedPlanner(seed: number): ScriptedLanguageModel {
  const random = seededRandom(seed);
  const turn: ScriptedTurn = () => ({
    json: { justification: 'j', context: 'c', sub_goal: 's', tool_name: random() < 0.5 ? 'reverser' : 'counter' },
  });
  return new ScriptedLanguageModel({ id: 'planner', turns: Array.from({ length: 5000 }, () => turn) });
}

type TrainerLog = { requests: TrainStepRequest[]; failStateAtStep?: number; saves: number };

function recordingTrainer(log: TrainerLog): PolicyTrainer {
  return {
    async step(request) {
      log.requests.push(request);
      return { loss: 0.5, kl: 0.01, clipFraction: 0, tokens: 10, durationMs: 5 };
    },
    async saveAdapter(file) {
      fs.writeFileSync(file, `adapter after ${log.requests.length} updates`);
    },
    async saveState(file) {
      log.saves++;
      if (log.failStateAtStep === log.saves) throw new Error('disk went away');
      fs.writeFileSync(file, JSON.stringify({ updates: log.requests.length }));
    },
    async loadState(file) {
      JSON.parse(fs.readFileSync(file, 'utf8'));
    },
    async close() {},
  };
}

function setup() {
  const dir = tempDir();
  const db = openDatabase(path.join(dir, 'inflow.db'));
  const runs = new RunStore(db);
  const dataset = new DatasetStore(db).create(syntheticItems({ train: 9, heldOut: 3 }), { name: 'words' });
  const swaps: Array<string | null> = [];
  const planner = {
    async setAdapter(p: string | null) {
      swaps.push(p);
    },
  };
  // what most runs here share: a test adds its agent and config, and overrides the rest where it must
  const trainOptions = (log: TrainerLog) => ({
    db,
    runs,
    datasetId: dataset.name,
    baseModel: 'base.gguf',
    planner,
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => recordingTrainer(log),
  });
  return { dir, db, runs, dataset, swaps, planner, trainOptions };
}

test('each step trains on the non-zero-advantage planner turns of its groups, stores metrics and a versioned adapter', async () => {
  const { db, runs, swaps, trainOptions } = setup();
  const log = { requests: [] as TrainStepRequest[], saves: 0 };
  const events: TrainingEvent[] = [];
  const agent = createAgentRollout({ store: runs, planner: scriptedPlanner(1), setup: syntheticSetup, limits: { maxSteps: 1 } });
  const result = await train({
    ...trainOptions(log),
    agent,
    onEvent: (e) => events.push(e),
    config: { steps: 3, groupSize: 4, tasksPerStep: 2, learningRate: 1e-3 },
  });
  assert.equal(result.stopReason, 'steps');
  assert.equal(result.lastCompletedStep, 3);
  const store = new TrainingStore(db);
  const metrics = store.stepMetrics(result.trainingRunId);
  assert.deepEqual(
    metrics.map((m) => m.step),
    [0, 1, 2, 3],
  );
  assert.equal(typeof metrics[0]!.metrics.heldoutAccuracy, 'number', 'the base model is measured first');
  for (const { metrics: m } of metrics.slice(1)) {
    assert.equal(m.rollouts, 8);
    assert.equal(m.groups, 2);
    assert.ok(m.rewardMean! >= 0 && m.rewardMean! <= 1);
    assert.equal(typeof m.heldoutAccuracy, 'number');
    assert.ok(m.timings!.rolloutMs! > 0);
  }
  // Every sample that reached the trainer carries a non-zero advantage, its planner tokens and old log-probs.
  const trained = log.requests.flatMap((r) => r.samples);
  assert.ok(trained.length > 0);
  for (const sample of trained) {
    assert.notEqual(sample.advantage, 0);
    assert.ok(sample.promptTokens.length > 20 && sample.responseTokens.length > 0);
    assert.equal(sample.oldLogprobs?.length, sample.responseTokens.length);
  }
  for (const request of log.requests)
    assert.deepEqual([request.clipLow, request.clipHigh, request.klBeta, request.learningRate], [0.2, 0.3, 0.001, 1e-3]);
  const zeroGroups = metrics.slice(1).reduce((n, m) => n + (m.metrics.zeroGroups ?? 0), 0);
  const turnRows = db.prepare('SELECT COUNT(*) AS n FROM turn_samples WHERE advantage <> 0').get() as { n: number };
  assert.equal(trained.length, turnRows.n, `the trainer saw exactly the non-zero samples (${zeroGroups} groups had equal rewards)`);
  const counts = store.consumedCounts(result.trainingRunId);
  assert.equal(counts.consumed, counts.samples, 'every sample is consumed once its step commits');
  const adapters = new AdapterRegistry(db).list('base.gguf');
  assert.equal(adapters.length, log.requests.length);
  assert.deepEqual(
    adapters.map((a) => a.version),
    adapters.map((_, i) => i + 1),
  );
  assert.ok(swaps.includes(adapters.at(-1)!.path), 'the newest adapter was swapped into the planner');
  assert.ok(events.some((e) => e.type === 'step' && e.step === 3));
  db.close();
});

test('a step that fails before it commits is redone on resume with the same rollouts, and no sample counts twice', async () => {
  const { dir, db, runs, dataset, planner } = setup();
  const log = { requests: [] as TrainStepRequest[], saves: 0, failStateAtStep: 2 };
  const agent = createAgentRollout({ store: runs, planner: scriptedPlanner(2), setup: syntheticSetup, limits: { maxSteps: 1 } });
  const options = {
    db,
    runs,
    agent,
    planner,
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => recordingTrainer(log),
    config: { steps: 3, groupSize: 4, tasksPerStep: 2, evalEvery: 10 },
  };
  await assert.rejects(train({ ...options, datasetId: dataset.id, baseModel: 'base.gguf' }), /disk went away/);
  const store = new TrainingStore(db);
  const run = store.listRuns()[0]!;
  assert.equal(run.status, 'failed');
  assert.equal(run.lastCompletedStep, 1);
  const rolloutsBefore = (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE kind = 'rollout'").get() as { n: number }).n;
  assert.equal(rolloutsBefore, 16, 'steps 1 and 2 collected their groups');
  const step2Samples = log.requests[1]!.samples.map((s) => JSON.stringify(s.responseTokens) + s.advantage).sort();

  const resumed = await train({ ...options, resumeRunId: run.id });
  assert.equal(resumed.lastCompletedStep, 3);
  const rolloutsAfter = (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE kind = 'rollout'").get() as { n: number }).n;
  assert.equal(rolloutsAfter, 24, 'step 2 reused its finished rollouts; only step 3 ran new ones');
  assert.deepEqual(
    log.requests[2]!.samples.map((s) => JSON.stringify(s.responseTokens) + s.advantage).sort(),
    step2Samples,
    'step 2 was redone on the same samples',
  );
  const perStep = db.prepare('SELECT consumed_step AS step, COUNT(*) AS n FROM turn_samples GROUP BY consumed_step ORDER BY consumed_step').all();
  assert.deepEqual(
    perStep.map((r) => (r as { step: number }).step),
    [1, 2, 3],
  );
  const counts = store.consumedCounts(run.id);
  assert.equal(counts.consumed, counts.samples);
  db.close();
});

test('rollouts and turn samples export as JSONL with text, token ids, old log-probs, rewards and advantages', async () => {
  const { dir, db, runs, trainOptions } = setup();
  const log = { requests: [] as TrainStepRequest[], saves: 0 };
  const agent = createAgentRollout({ store: runs, planner: scriptedPlanner(3), setup: syntheticSetup, limits: { maxSteps: 1 } });
  const result = await train({
    ...trainOptions(log),
    agent,
    config: { steps: 1, groupSize: 3, tasksPerStep: 2, evalEvery: 5 },
  });
  const exported = exportTrainingSamples(new TrainingStore(db), { outDir: path.join(dir, 'export'), trainingRunId: result.trainingRunId });
  assert.equal(exported.trajectories, 6);
  assert.equal(exported.samples, 6, 'one planner turn per rollout (max one step)');
  const lines = fs
    .readFileSync(exported.samplesFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const line of lines) {
    assert.match(line.prompt as string, /Reverse the word|Count the letters/);
    assert.match(line.completion as string, /tool_name/);
    assert.ok([0, 1].includes(line.reward as number));
    assert.equal(typeof line.advantage, 'number');
    assert.equal((line.old_logprobs as number[]).length, (line.completion_token_ids as number[]).length);
  }
  const trajectories = fs
    .readFileSync(exported.trajectoriesFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { turns: unknown[]; group_id: string });
  assert.equal(new Set(trajectories.map((t) => t.group_id)).size, 2);
  assert.equal(trajectories[0]!.turns.length, 1);
  db.close();
});

test('stopping mid-rollouts pauses the run without recording a cut-short rollout; resuming finishes it', async () => {
  const { dir, db, runs, dataset, planner } = setup();
  const log = { requests: [] as TrainStepRequest[], saves: 0 };
  const agent = createAgentRollout({ store: runs, planner: scriptedPlanner(4), setup: syntheticSetup, limits: { maxSteps: 1 } });
  const controller = new AbortController();
  const options = {
    db,
    runs,
    agent,
    planner,
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => recordingTrainer(log),
    config: { steps: 2, groupSize: 4, tasksPerStep: 2, evalEvery: 5 },
  };
  await assert.rejects(
    train({
      ...options,
      datasetId: dataset.id,
      baseModel: 'base.gguf',
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'rollout' && e.step === 2 && e.done === 3) controller.abort();
      },
    }),
    (e: unknown) => (e as { code?: string }).code === 'CANCELLED' && /resumes from step 1/.test((e as Error).message),
  );
  const store = new TrainingStore(db);
  const run = store.listRuns()[0]!;
  assert.deepEqual([run.status, run.lastCompletedStep], ['paused', 1]);
  const result = await train({ ...options, resumeRunId: run.id });
  assert.equal(result.lastCompletedStep, 2);
  const counts = store.consumedCounts(run.id);
  assert.deepEqual(counts, { samples: 16, consumed: 16 }, '2 steps × 2 tasks × 4 rollouts, each used once');
  db.close();
});

test('held-out items are evaluated one at a time by default (a reproducible figure), on every sequence with evalParallel 0; rollouts stay parallel', async () => {
  const concurrency = async (config: { evalParallel?: number }) => {
    const { db, runs, planner, trainOptions } = setup();
    const inner = createAgentRollout({ store: runs, planner: scriptedPlanner(3), setup: syntheticSetup, limits: { maxSteps: 1 } });
    const running = { eval: 0, train: 0 };
    const most = { eval: 0, train: 0 };
    const agent: typeof inner = async (request) => {
      const kind = request.kind === 'eval' ? 'eval' : 'train';
      most[kind] = Math.max(most[kind], ++running[kind]);
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return await inner(request);
      } finally {
        running[kind]--;
      }
    };
    const log = { requests: [] as TrainStepRequest[], saves: 0 };
    await train({
      ...trainOptions(log),
      agent,
      planner: { ...planner, parallelSequences: 4 },
      config: { steps: 1, groupSize: 4, tasksPerStep: 1, ...config },
    });
    db.close();
    return most;
  };
  assert.deepEqual(await concurrency({}), { eval: 1, train: 4 });
  assert.deepEqual(await concurrency({ evalParallel: 0 }), { eval: 3, train: 4 }, 'all three held-out items at once');
  assert.deepEqual(await concurrency({ evalParallel: 2 }), { eval: 2, train: 4 });
});

test('a cosine learning-rate schedule decays each step from the peak to the floor at the last step; the default stays constant', async () => {
  const rates = async (config: { lrSchedule?: 'cosine' | 'linear'; lrMinRatio?: number }) => {
    const { db, runs, trainOptions } = setup();
    const log = { requests: [] as TrainStepRequest[], saves: 0 };
    const agent = createAgentRollout({ store: runs, planner: scriptedPlanner(5), setup: syntheticSetup, limits: { maxSteps: 1 } });
    // groups of 8 coin flips: every step has an informative group, so every step updates
    const result = await train({ ...trainOptions(log), agent, config: { steps: 5, groupSize: 8, tasksPerStep: 3, learningRate: 1e-3, ...config } });
    const stored = new TrainingStore(db).stepMetrics(result.trainingRunId).filter((m) => m.step > 0);
    db.close();
    assert.equal(log.requests.length, 5, 'one update per step');
    assert.deepEqual(
      stored.map((m) => m.metrics.learningRate),
      log.requests.map((r) => r.learningRate),
      "each step's metrics record the rate it trained at",
    );
    return log.requests.map((r) => Number(r.learningRate.toPrecision(6)));
  };
  assert.deepEqual(await rates({}), [1e-3, 1e-3, 1e-3, 1e-3, 1e-3]);
  // cosine from 1e-3 to 1e-4 over steps 1..5: 1e-4 + 9e-4 * (1 + cos(pi * (s - 1) / 4)) / 2
  assert.deepEqual(await rates({ lrSchedule: 'cosine', lrMinRatio: 0.1 }), [1e-3, 0.000868198, 0.00055, 0.000231802, 1e-4]);
  assert.deepEqual(await rates({ lrSchedule: 'linear', lrMinRatio: 0 }), [1e-3, 0.00075, 0.0005, 0.00025, 0]);
});
