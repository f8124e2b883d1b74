/**
 * Flow-GRPO throughput on a test model (CPU): rollouts per hour, update throughput (tokens/s through the
 * trainer), and the share of a step's time spent in rollout, reward, update, adapter swap, held-out eval and
 * checkpoint. Runs the real agent loop on the real engine with the native trainer in its own process, on the
 * synthetic tool-choice suite. Prints figures; asserts nothing.
 *
 *   npm run bench:grpo -- [--steps 3] [--group 8] [--tasks 2] [--sequences 4] [--threads 1] [--model tiny|small]
 *                         [--embd 64] [--layers 2]
 * `--model small` is bench:trainer's small model (nEmbd 256, 4 layers, 8 heads, 2 KV heads, ffn 768); `tiny`
 * (default) is nEmbd --embd, --layers layers with the test model's other defaults.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DatasetStore } from '../electron/core/datasets/dataset-store.ts';
import { getEngine } from '../electron/core/llm/engine.ts';
import { openDatabase } from '../electron/core/store/database.ts';
import { RunStore } from '../electron/core/store/run-store.ts';
import { createAgentRollout } from '../electron/core/training/flow-grpo/agent-rollout.ts';
import { EnginePlanner } from '../electron/core/training/flow-grpo/engine-planner.ts';
import { startTrainerProcess } from '../electron/core/training/trainer/trainer-process.ts';
import { train } from '../electron/core/training/flow-grpo/training-loop.ts';
import { TrainingStore } from '../electron/core/training/training-store.ts';
import { syntheticItems, syntheticSetup } from '../test/integration/training/synthetic-suite.ts';
import { testModelPath } from '../test/support/test-model.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '3' },
    group: { type: 'string', default: '8' },
    tasks: { type: 'string', default: '2' },
    sequences: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1' },
    embd: { type: 'string', default: '64' },
    layers: { type: 'string', default: '2' },
    model: { type: 'string', default: 'tiny' },
  },
});
if (values.model !== 'tiny' && values.model !== 'small') throw new Error(`--model must be tiny or small, not ${values.model}`);
const shape =
  values.model === 'small'
    ? { nEmbd: 256, nLayer: 4, nHead: 8, nHeadKv: 2, nFf: 768 }
    : { nEmbd: Number(values.embd), nLayer: Number(values.layers) };
const modelPath = testModelPath(shape);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-grpo-'));
const db = openDatabase(path.join(dir, 'inflow.db'));
const runs = new RunStore(db);
const dataset = new DatasetStore(db).create(syntheticItems({ train: 16, heldOut: 4, kinds: ['reverse', 'count'] }), { name: 'bench' });
const engine = await getEngine({ gpu: false });
const threads = Number(values.threads);
const planner = await EnginePlanner.load(engine, { path: modelPath, contextSize: 1024, threads, sequences: Number(values.sequences) });
const agent = createAgentRollout({ store: runs, planner, setup: syntheticSetup, limits: { maxSteps: 1 }, moduleMaxTokens: { planner: 112 } });
const started = performance.now();
const result = await train({
  db,
  runs,
  agent,
  planner,
  datasetId: dataset.id,
  baseModel: modelPath,
  adaptersDir: path.join(dir, 'adapters'),
  startTrainer: (init) => startTrainerProcess({ init: { ...init, threads } }),
  config: {
    steps: Number(values.steps),
    groupSize: Number(values.group),
    tasksPerStep: Number(values.tasks),
    learningRate: 1e-3,
    lora: { rank: 8, alpha: 16, targets: ['q', 'k', 'v', 'o'] },
  },
});
const wall = (performance.now() - started) / 1000;
const steps = new TrainingStore(db).stepMetrics(result.trainingRunId).filter((s) => s.step > 0);
const sum = (f: (m: (typeof steps)[number]['metrics']) => number) => steps.reduce((a, s) => a + f(s.metrics), 0);
const rollouts = sum((m) => m.rollouts ?? 0);
const rolloutMs = sum((m) => m.timings?.rolloutMs ?? 0);
const phases = ['rolloutMs', 'rewardMs', 'updateMs', 'swapMs', 'evalMs', 'checkpointMs'] as const;
const totalMs = sum((m) => m.timings?.totalMs ?? 0);
const trainedTokens = sum((m) => Number(m.trainedTokens ?? 0));
const updateSeconds = sum((m) => (m.trainedTokens && m.tokensPerSecond ? Number(m.trainedTokens) / m.tokensPerSecond : 0));
const turns = db
  .prepare(
    'SELECT COUNT(*) AS n, AVG(length(c.prompt_tokens) / 4) AS prompt, AVG(length(c.response_tokens) / 4) AS response FROM turn_samples s JOIN module_calls c ON c.id = s.module_call_id',
  )
  .get() as { n: number; prompt: number; response: number };

console.log(
  `Flow-GRPO bench — test model ${path.basename(modelPath)} (${values.model}: nEmbd ${shape.nEmbd}, ${shape.nLayer} layers, tiny vocab), CPU, ${threads} thread(s), ${os.cpus().length} cores`,
);
console.log(
  `  ${steps.length} steps × ${values.tasks} tasks × group ${values.group}, ${values.sequences} parallel sequences; planner turn ≈ ${Math.round(turns.prompt)} prompt + ${Math.round(turns.response)} response tokens`,
);
console.log(`  rollouts/hour (rollout phase only):  ${Math.round(rollouts / (rolloutMs / 3_600_000))}`);
console.log(`  rollouts/hour (whole steps):         ${Math.round(rollouts / (totalMs / 3_600_000))}`);
const groups = sum((m) => m.groups ?? 0);
console.log(
  `  groups/hour (rollout phase / whole steps): ${Math.round(groups / (rolloutMs / 3_600_000))} / ${Math.round(groups / (totalMs / 3_600_000))}`,
);
console.log(
  `  update throughput:                   ${Math.round(trainedTokens / Math.max(updateSeconds, 1e-9))} tokens/s (${trainedTokens} tokens, prompts included)`,
);
console.log(
  `  mean step time:                      ${(totalMs / steps.length / 1000).toFixed(1)} s (wall ${wall.toFixed(1)} s incl. baseline eval and trainer start)`,
);
console.log('  share of step time:');
for (const phase of phases)
  console.log(`    ${phase.replace('Ms', '').padEnd(11)} ${((100 * sum((m) => m.timings?.[phase] ?? 0)) / totalMs).toFixed(1).padStart(5)} %`);
await planner.dispose();
db.close();
fs.rmSync(dir, { recursive: true, force: true });
