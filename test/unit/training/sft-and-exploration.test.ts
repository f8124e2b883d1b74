import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { recordFeedback } from '../../../electron/core/api/feedback.ts';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { createAgentRollout } from '../../../electron/core/training/flow-grpo/agent-rollout.ts';
import { seededRandom } from '../../../electron/core/training/seeded-random.ts';
import type { PolicyTrainer, TrainStepRequest } from '../../../electron/core/training/trainer/trainer-protocol.ts';
import { shuffleWithinGroups } from '../../../electron/core/training/flow-grpo/step-samples.ts';
import { train } from '../../../electron/core/training/flow-grpo/training-loop.ts';
import { stepLine } from '../../../electron/core/training/flow-grpo/progress-format.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { ScriptedLanguageModel, type ScriptedTurn } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { syntheticItems, syntheticSetup } from '../../integration/training/synthetic-suite.ts';

/** `inflow train --objective sft` (demonstrations = approved runs' planner turns) and dynamic sampling (issue #11 §2, §3). */
function planner(pick: () => 'reverser' | 'counter', id = 'planner'): ScriptedLanguageModel {
  const turn: ScriptedTurn = () => ({ json: { justification: 'j', context: 'c', sub_goal: 's', tool_name: pick() } });
  return new ScriptedLanguageModel({ id, turns: Array.from({ length: 5000 }, () => turn) });
}

function recordingTrainer(requests: TrainStepRequest[]): PolicyTrainer {
  return {
    async step(request) {
      requests.push(request);
      return { loss: 0.5, kl: 0, clipFraction: 0, tokens: 10, durationMs: 5 };
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

function setup() {
  const dir = tempDir();
  const db = openDatabase(path.join(dir, 'inflow.db'));
  const runs = new RunStore(db);
  const dataset = new DatasetStore(db).create(syntheticItems({ train: 12, heldOut: 2 }), { name: 'words' });
  // what every run here shares; a test adds its agent and config, and overrides the rest where it must
  const options = {
    db,
    runs,
    planner: { async setAdapter() {} },
    datasetId: dataset.id,
    baseModel: 'base.gguf',
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async () => recordingTrainer([]),
  };
  return { dir, db, runs, dataset, options };
}

test('SFT trains on the planner turns of the runs the user approved, with this base model, and on nothing else', async () => {
  const { db, runs, options } = setup();
  const ask = async (model: ScriptedLanguageModel, question: string) => {
    const task = runs.createTask({ question, source: 'user' });
    const { tools, models } = syntheticSetup(task);
    return runAgent({ question, taskId: task.id, models: { ...models, planner: model }, tools, store: runs, limits: { maxSteps: 1 } });
  };
  const own = planner(() => 'reverser', 'planner');
  const approved = await ask(own, 'Reverse the word: apple');
  const rejected = await ask(own, 'Count the letters in: apple');
  const unrated = await ask(own, 'Reverse the word: stone');
  const otherModel = await ask(
    planner(() => 'reverser', 'other-model'),
    'Reverse the word: river',
  );
  recordFeedback(db, { runId: approved.runId, rating: 1 });
  recordFeedback(db, { runId: rejected.runId, rating: -1 });
  recordFeedback(db, { runId: otherModel.runId, rating: 1 });
  void unrated;
  const expected = db.prepare("SELECT COUNT(*) AS n FROM module_calls WHERE run_id = ? AND module = 'planner'").get(approved.runId) as { n: number };
  assert.ok(expected.n >= 1);

  const requests: TrainStepRequest[] = [];
  const agent = createAgentRollout({ store: runs, planner: own, setup: syntheticSetup, limits: { maxSteps: 1 } });
  const result = await train({
    ...options,
    agent,
    baseModel: '/models/planner.gguf',
    startTrainer: async () => recordingTrainer(requests),
    config: { objective: 'sft', steps: 2 },
  });
  assert.equal(requests.length, 2);
  for (const request of requests) {
    assert.equal(request.objective, 'sft');
    assert.equal(request.samples.length, expected.n, "exactly the approved run's planner turns");
  }
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM runs WHERE kind = 'rollout'").get() as { n: number }).n, 0, 'SFT runs no rollouts');
  const steps = new TrainingStore(db).stepMetrics(result.trainingRunId);
  assert.equal(steps.at(-1)!.metrics.demonstrations, expected.n);
  assert.equal(typeof steps.at(-1)!.metrics.heldoutAccuracy, 'number', 'each SFT step is checked on held-out like a GRPO step');

  // without any approved run of this model there is nothing to learn from: a clear error, not an empty run
  await assert.rejects(
    train({ ...options, agent, baseModel: '/models/unused.gguf', config: { objective: 'sft' } }),
    (error: unknown) => (error as { code?: string }).code === 'TRAINING_NO_DEMONSTRATIONS',
  );
  db.close();
});

test('each SFT step asks the demonstrated questions again and reports how many get the demonstrated tools; --until-reproduced stops once all do', async () => {
  const { db, runs, options } = setup();
  let choice: 'reverser' | 'counter' = 'reverser';
  const model = planner(() => choice);
  for (const word of ['apple', 'stone']) {
    const task = runs.createTask({ question: `Reverse the word: ${word}`, source: 'user' });
    const { tools, models } = syntheticSetup(task);
    const shown = await runAgent({
      question: task.question,
      taskId: task.id,
      models: { ...models, planner: model },
      tools,
      store: runs,
      limits: { maxSteps: 1 },
    });
    recordFeedback(db, { runId: shown.runId, rating: 1 });
  }
  // the planner drifts to the other tool, and only the second update brings it back
  choice = 'counter';
  const requests: TrainStepRequest[] = [];
  const trainer = recordingTrainer(requests);
  const agent = createAgentRollout({ store: runs, planner: model, setup: syntheticSetup, limits: { maxSteps: 1 } });
  const run = (config: { untilReproduced?: boolean }) =>
    train({
      ...options,
      agent,
      baseModel: '/models/planner.gguf',
      startTrainer: async () => ({
        ...trainer,
        async step(request) {
          const reply = await trainer.step(request);
          if (requests.length === 2) choice = 'reverser';
          return reply;
        },
      }),
      config: { objective: 'sft', steps: 5, ...config },
    });
  const result = await run({ untilReproduced: true });
  assert.equal(result.stopReason, 'reproduced');
  assert.equal(result.lastCompletedStep, 2, 'it stopped at the first step that reproduced both');
  const steps = new TrainingStore(db).stepMetrics(result.trainingRunId).filter((s) => s.step > 0);
  assert.deepEqual(
    steps.map((s) => [s.metrics.demonstrationsReproduced, s.metrics.demonstratedRuns]),
    [
      [0, 2],
      [1, 2],
    ],
  );
  assert.match(stepLine(2, steps[1]!.metrics), /reproduced 2\/2 demonstrations/);
  assert.equal(new TrainingStore(db).getRun(result.trainingRunId).status, 'completed');
  // without the flag the run takes all its steps, still reporting the replay at each
  const full = await run({});
  assert.equal(full.stopReason, 'steps');
  assert.equal(full.lastCompletedStep, 5);
  db.close();
});

test('dynamic sampling draws more tasks, bounded and counted, while too few groups are informative', async () => {
  const { db, runs, options } = setup();
  // always the reverser: a reverse group all succeeds, a count group all fails; no group is ever informative
  const stuck = createAgentRollout({ store: runs, planner: planner(() => 'reverser'), setup: syntheticSetup, limits: { maxSteps: 1 } });
  const first = await train({ ...options, agent: stuck, config: { steps: 2, groupSize: 2, tasksPerStep: 2, dynamicSampling: 3, evalEvery: 5 } });
  for (const { metrics } of new TrainingStore(db).stepMetrics(first.trainingRunId).slice(1)) {
    assert.equal(metrics.extraTasks, 3, 'the bound');
    assert.equal(metrics.groups, 5);
    assert.equal(metrics.rollouts, 10);
    assert.equal(metrics.informativeFraction, 0);
  }
  // a coin-flip planner: most groups are informative; extra tasks only make up for the ones that are not
  const random = seededRandom(9);
  const flip = createAgentRollout({
    store: runs,
    planner: planner(() => (random() < 0.5 ? 'reverser' : 'counter')),
    setup: syntheticSetup,
    limits: { maxSteps: 1 },
  });
  const second = await train({ ...options, agent: flip, config: { steps: 6, groupSize: 2, tasksPerStep: 2, dynamicSampling: 4, evalEvery: 10 } });
  let drew = 0;
  for (const { metrics } of new TrainingStore(db).stepMetrics(second.trainingRunId).slice(1)) {
    const informative = Math.round((metrics.informativeFraction as number) * metrics.groups!);
    assert.ok(
      informative >= 2 || metrics.extraTasks === 4,
      `step stopped drawing with ${informative} informative groups and ${String(metrics.extraTasks)} extra tasks`,
    );
    assert.ok(informative <= 2 || metrics.extraTasks === 0, 'no more tasks are drawn once enough groups are informative');
    drew += metrics.extraTasks as number;
  }
  assert.ok(drew > 0, 'some step needed extra tasks');
  db.close();
});

test('a task on which every rollout failed is sampled again at the exploration temperature, within the dynamic-sampling bound', async () => {
  const { db, runs, options } = setup();
  // picks the reverser at the rollout temperature: count tasks all fail there; only when sampled hotter does it try the counter
  const hotTurn: ScriptedTurn = (request) => ({
    json: { justification: 'j', context: 'c', sub_goal: 's', tool_name: (request.sampling?.temperature ?? 0) > 1 ? 'counter' : 'reverser' },
  });
  const hot = new ScriptedLanguageModel({ id: 'planner', turns: Array.from({ length: 5000 }, () => hotTurn) });
  const agent = createAgentRollout({ store: runs, planner: hot, setup: syntheticSetup, limits: { maxSteps: 1 } });
  const run = (config: { steps: number; explorationTemperature?: number }) =>
    train({ ...options, agent, config: { groupSize: 2, tasksPerStep: 4, dynamicSampling: 8, evalEvery: 10, ...config } });
  const result = await run({ steps: 3, explorationTemperature: 1.2 });
  const store = new TrainingStore(db);
  let explored = 0;
  for (const { step, metrics } of store.stepMetrics(result.trainingRunId).slice(1)) {
    const groups = db.prepare('SELECT status FROM rollout_groups WHERE training_run_id = ? AND step = ?').all(result.trainingRunId, step) as Array<{
      status: string;
    }>;
    const discarded = groups.filter((g) => g.status === 'discarded').length;
    // each all-failed count task was set aside (kept in the store) and sampled again hot, where the counter solves it
    assert.equal(metrics.exploredGroups, discarded, `step ${step}`);
    assert.ok(discarded >= 1, `step ${step}: every step of 4 tasks (2 kinds) has a count task`);
    assert.equal(metrics.groups, 4 + (metrics.extraTasks as number), 'the explored groups replace the failed ones');
    assert.equal(metrics.rollouts, metrics.groups! * 2);
    explored += discarded;
  }
  assert.ok(explored > 0);
  // without an exploration temperature nothing is sampled again
  const plain = await run({ steps: 1 });
  assert.equal(store.stepMetrics(plain.trainingRunId).at(-1)!.metrics.exploredGroups, 0);
  db.close();
});

test("the shuffled-reward control deals each group's rewards out again among its own rollouts: the same groups teach, none says which rollout earned what", () => {
  const rewards = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 0, 1, 0, 0, 0],
  ];
  const moved = new Set<number>();
  for (let seed = 1; seed <= 20; seed++) {
    const shuffled = shuffleWithinGroups(rewards, seed);
    assert.deepEqual(
      shuffled.map((g) => g.slice().sort()),
      rewards.map((g) => g.slice().sort()),
      'every group keeps its own rewards',
    );
    assert.deepEqual(shuffleWithinGroups(rewards, seed), shuffled, 'seeded: a restarted step shuffles the same');
    moved.add(shuffled[2]!.indexOf(1));
  }
  // the one success of group 3 lands on many rollouts over the seeds, not on the one that earned it
  assert.ok(moved.size >= 5, `the rewarded rollout moved to ${moved.size} places`);
  assert.ok([...moved].some((i) => i !== 0));
});

test('a run can start from an adapter (an SFT warm start): the baseline, the rollouts, the trainer and its KL reference all start from it', async () => {
  const { dir, db, runs, dataset } = setup();
  const warm = path.join(dir, 'sft.gguf');
  fs.writeFileSync(warm, 'adapter');
  const swaps: Array<string | null> = [];
  const inits: unknown[] = [];
  const agent = createAgentRollout({ store: runs, planner: planner(() => 'reverser'), setup: syntheticSetup, limits: { maxSteps: 1 } });
  await train({
    db,
    runs,
    agent,
    planner: {
      async setAdapter(p: string | null) {
        swaps.push(p);
      },
    },
    datasetId: dataset.id,
    baseModel: 'base.gguf',
    adaptersDir: path.join(dir, 'adapters'),
    startTrainer: async (init) => {
      inits.push(init);
      return recordingTrainer([]);
    },
    config: { steps: 2, groupSize: 2, tasksPerStep: 1, initAdapter: warm },
  });
  assert.equal((inits[0] as { resumeAdapter?: string }).resumeAdapter, warm);
  assert.equal((inits[0] as { referenceAdapter?: string }).referenceAdapter, warm, 'the KL term measures the distance from the warm start');
  // no step here trains (one tool for everything: no informative group), so the planner stays on the warm start throughout
  assert.ok(swaps.length > 0 && swaps.every((p) => p === warm), `swaps ${JSON.stringify(swaps)}`);
  db.close();
});
