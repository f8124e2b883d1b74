import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AdapterRegistry } from '../../../electron/core/adapters/adapter-registry.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { createAgentRollout } from '../../../electron/core/training/agent-rollout.ts';
import { EnginePlanner } from '../../../electron/core/training/engine-planner.ts';
import { startTrainerProcess } from '../../../electron/core/training/trainer-process.ts';
import { evaluateHeldOut } from '../../../electron/core/training/heldout-eval.ts';
import { rewardForAnswer } from '../../../electron/core/training/rewards.ts';
import { train } from '../../../electron/core/training/training-loop.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';
import { syntheticItems, syntheticSetup } from './synthetic-suite.ts';

/**
 * ACCEPTANCE: Flow-GRPO must actually learn. A small random-weight test planner (tiny vocabulary) runs the real
 * agent loop on the real engine; its only decision that matters is which tool to call (synthetic-suite.ts:
 * deterministic tools, the right answer reachable only through the right tool). Trained with the real native
 * trainer in its own process, its held-out success must rise by a wide margin; the same run with rewards
 * shuffled within each step (a control with identical compute and no signal) must not. The learning curves are
 * printed and written to .cache/learning-curves/flow-grpo.json (draw them: npm run plot:learning-curve). The suite
 * asks the kind of question the untrained planner gets wrong more often, so there is room to learn whichever
 * way the random weights lean.
 */
const modelPath = testModelPath();
let planner: EnginePlanner;

before(async () => {
  planner = await EnginePlanner.load(await getEngine({ gpu: false }), { path: modelPath, contextSize: 1024, threads: 1, sequences: 4 });
});
after(async () => { await planner.dispose(); });

interface CurvePoint { step: number; heldoutAccuracy: number | null; rewardMean: number | null; kl: number | null }

/**
 * The kind of question the untrained planner gets wrong more often (greedy, on the held-out words): its random
 * weights lean to one tool, so the suite asks the kind that needs the other one and there is room to learn.
 */
async function kindTheBaseGetsWrong(): Promise<'reverse' | 'count'> {
  const db = openDatabase(path.join(tempDir(), 'probe.db'));
  try {
    const runs = new RunStore(db);
    await planner.setAdapter(null);
    const agent = createAgentRollout({ store: runs, planner, setup: syntheticSetup, limits: { maxSteps: 1 }, moduleMaxTokens: { planner: 112 } });
    const accuracy = async (kind: 'reverse' | 'count') => {
      const items = new DatasetStore(db).create(syntheticItems({ train: 16, heldOut: 8, kinds: [kind] }), { name: kind });
      const heldOut = new DatasetStore(db).items(items.id, 'heldout');
      return (await evaluateHeldOut({ items: heldOut, runs, agent, reward: (item, answer) => rewardForAnswer(item, answer), temperature: 0, seed: 42, parallel: 4 })).accuracy;
    };
    const reverse = await accuracy('reverse');
    const count = await accuracy('count');
    console.log(`# untrained planner, greedy held-out: reverse ${fmt(reverse)}, count ${fmt(count)}`);
    return reverse <= count ? 'reverse' : 'count';
  } finally {
    db.close();
  }
}

async function experiment(name: string, shuffleRewards: boolean): Promise<{ curve: CurvePoint[]; promoted: boolean }> {
  const dir = tempDir();
  const db = openDatabase(path.join(dir, 'inflow.db'));
  try {
    const runs = new RunStore(db);
    const dataset = new DatasetStore(db).create(syntheticItems({ train: 16, heldOut: 8, kinds: [suiteKind] }), { name: 'tool-choice' });
    await planner.setAdapter(null);
    const agent = createAgentRollout({ store: runs, planner, setup: syntheticSetup, limits: { maxSteps: 1 }, moduleMaxTokens: { planner: 112 } });
    const result = await train({
      db, runs, agent, planner, datasetId: dataset.id, baseModel: modelPath, adaptersDir: path.join(dir, 'adapters'),
      startTrainer: (init) => startTrainerProcess({ init: { ...init, threads: 1 } }),
      config: { steps: STEPS, groupSize: 4, tasksPerStep: 4, learningRate: 1e-2, lora: { rank: 8, alpha: 16, targets: ['q', 'k', 'v', 'o'] }, shuffleRewards, seed: 42 },
    });
    const curve = new TrainingStore(db).stepMetrics(result.trainingRunId).map(({ step, metrics }) => ({
      step, heldoutAccuracy: metrics.heldoutAccuracy ?? null, rewardMean: metrics.rewardMean ?? null, kl: metrics.kl ?? null,
    }));
    console.log(`# ${name}: step  held-out  rollout reward  kl`);
    for (const p of curve) console.log(`# ${name}: ${String(p.step).padStart(4)}  ${fmt(p.heldoutAccuracy)}  ${fmt(p.rewardMean)}  ${p.kl === null ? '—' : p.kl.toFixed(4)}`);
    return { curve, promoted: new AdapterRegistry(db).active(modelPath) !== null };
  } finally {
    db.close();
  }
}

const STEPS = 3;
let suiteKind: 'reverse' | 'count' = 'reverse';
const fmt = (value: number | null) => (value === null ? '   —  ' : `${(value * 100).toFixed(1).padStart(5)}%`);
const curves: Record<string, CurvePoint[]> = {};

test('ACCEPTANCE: Flow-GRPO raises the planner\'s held-out success by a wide margin; shuffled rewards do not', { timeout: 420_000 }, async () => {
  suiteKind = await kindTheBaseGetsWrong();
  console.log(`# suite: "${suiteKind}" questions`);
  const trained = await experiment('flow-grpo', false);
  const control = await experiment('shuffled-rewards', true);
  curves['Flow-GRPO'] = trained.curve;
  curves['Shuffled rewards (control)'] = control.curve;
  const out = path.join(repoRoot, '.cache', 'learning-curves', 'flow-grpo.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ title: 'Flow-GRPO on the synthetic tool-choice suite (test planner, CPU)', metric: 'heldoutAccuracy', curves }, null, 2));

  const base = trained.curve[0]!.heldoutAccuracy!;
  const final = trained.curve.at(-1)!.heldoutAccuracy!;
  const controlBase = control.curve[0]!.heldoutAccuracy!;
  const controlFinal = control.curve.at(-1)!.heldoutAccuracy!;
  assert.equal(controlBase, base, 'both runs start from the same planner');
  assert.ok(final - base >= 0.5, `held-out success rose from ${base} to ${final}; at least +50 points expected`);
  assert.ok(trained.promoted, 'the better adapter was promoted');
  assert.ok(controlFinal - controlBase <= 0.25, `the shuffled-reward control moved from ${controlBase} to ${controlFinal}; it must not learn`);
});
