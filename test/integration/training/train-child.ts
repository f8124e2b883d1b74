/**
 * A training process for the kill -9 test: runs (or resumes) Flow-GRPO on the synthetic suite with the real
 * engine and the native trainer process in `dataDir`, printing every training event as one JSON line.
 * Usage: node train-child.ts DATA_DIR [--resume]
 */
import { createBackend } from '../../../electron/core/backend.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { createAgentRollout } from '../../../electron/core/training/flow-grpo/agent-rollout.ts';
import { EnginePlanner } from '../../../electron/core/training/flow-grpo/engine-planner.ts';
import { startTrainerProcess } from '../../../electron/core/training/trainer/trainer-process.ts';
import { train } from '../../../electron/core/training/flow-grpo/training-loop.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { testModelPath } from '../../support/test-model.ts';
import { syntheticItems, syntheticSetup } from './synthetic-suite.ts';

const dataDir = process.argv[2]!;
const resume = process.argv.includes('--resume');
const backend = await createBackend({ dataDir });
const modelPath = testModelPath();
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const planner = await EnginePlanner.load(await getEngine({ gpu: false }), { path: modelPath, contextSize: 1024, threads: 1, sequences: 2 });
const agent = createAgentRollout({ store: backend.runs, planner, setup: syntheticSetup, limits: { maxSteps: 1 }, moduleMaxTokens: { planner: 112 } });
const datasets = new DatasetStore(backend.db);
const dataset = datasets.find('words') ?? datasets.create(syntheticItems({ train: 6, heldOut: 2, kinds: ['reverse'] }), { name: 'words' });
const result = await train({
  db: backend.db,
  runs: backend.runs,
  agent,
  planner,
  adaptersDir: backend.paths.adapters,
  ...(resume ? { resumeRunId: new TrainingStore(backend.db).latestUnfinished()!.id } : { datasetId: dataset.id, baseModel: modelPath }),
  config: { steps: 3, groupSize: 3, tasksPerStep: 2, learningRate: 1e-2, lora: { rank: 4, alpha: 8, targets: ['q', 'v'] } },
  startTrainer: async (init) =>
    startTrainerProcess({ init: { ...init, threads: 1 }, onProgress: (phase, detail) => print({ type: 'trainer', phase, ...detail }) }),
  onEvent: (event) => print(event.type === 'started' ? { type: 'started', resumedFromStep: event.resumedFromStep } : event),
});
print({ type: 'done', result });
await planner.dispose();
await backend.close();
