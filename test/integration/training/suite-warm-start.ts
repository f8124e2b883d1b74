import path from 'node:path';
import { AdapterRegistry } from '../../../electron/core/adapters/adapter-registry.ts';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { recordFeedback } from '../../../electron/core/api/feedback.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import type { openDatabase } from '../../../electron/core/store/database.ts';
import type { RunStore } from '../../../electron/core/store/run-store.ts';
import { createAgentRollout } from '../../../electron/core/training/flow-grpo/agent-rollout.ts';
import type { EnginePlanner } from '../../../electron/core/training/flow-grpo/engine-planner.ts';
import type { TrainingConfig } from '../../../electron/core/training/flow-grpo/training-config.ts';
import { train } from '../../../electron/core/training/flow-grpo/training-loop.ts';
import { startTrainerProcess } from '../../../electron/core/training/trainer/trainer-process.ts';
import type { LearningSuite, suiteSetup } from './learning-suites.ts';

/**
 * How a user warm-starts a planner (docs/training.md): they asked it questions of the suite's first kind, gave a thumbs
 * up to the runs it answered right (up to `demonstrations` runs, each question asked up to `attempts` times, sampled
 * at `temperature`), and ran `inflow train --objective sft` on those demonstrations for `steps` steps. With `pinned`,
 * they showed it the kind's tools (`inflow ask --demonstrate`) instead of waiting for it to find them. The result is
 * the suite's untrained planner (step 0): shown one kind only, it must be taught the rest by Flow-GRPO.
 */
export interface WarmStart {
  demonstrations: number;
  attempts: number;
  temperature: number;
  steps: number;
  learningRate: number;
  /** Demonstrations: each question asked once with the kind's tools pinned (the user shows the tool choices). */
  pinned?: boolean;
}

export async function warmStartAdapter(options: {
  suite: LearningSuite;
  db: ReturnType<typeof openDatabase>;
  runs: RunStore;
  planner: EnginePlanner;
  datasetId: string;
  modelPath: string;
  dir: string;
  settings: WarmStart | null;
  setup: ReturnType<typeof suiteSetup>;
  lora: TrainingConfig['lora'];
}): Promise<string | null> {
  const { suite, db, runs, settings } = options;
  if (settings === null) return null;
  const items = new DatasetStore(db)
    .items(options.datasetId, 'train')
    .filter((item) => item.meta?.kind === suite.kinds[0]!.name)
    .slice(0, settings.demonstrations);
  let approved = 0;
  for (const [index, item] of items.entries()) {
    for (let attempt = 0; attempt < settings.attempts; attempt++) {
      const task = runs.createTask({ question: item.question, source: 'user' });
      const { tools, models } = options.setup(task);
      const result = await runAgent({
        question: item.question,
        taskId: task.id,
        models: { ...models, planner: options.planner },
        tools,
        store: runs,
        limits: { maxSteps: suite.maxSteps },
        moduleMaxTokens: { planner: 64 },
        plannerSampling: { temperature: settings.temperature, topP: 0.99 },
        seed: 1 + index * 1000 + attempt,
        ...(settings.pinned === true ? { pinnedTools: suite.kinds[0]!.tools } : {}),
      });
      if (result.answer === item.answer) {
        recordFeedback(db, { runId: result.runId, rating: 1 });
        approved++;
        break;
      }
    }
  }
  if (approved === 0)
    throw new Error(`The ${suite.name} suite's warm start found no right answer to approve in ${items.length} x ${settings.attempts} tries.`);
  const sft = await train({
    db,
    runs,
    agent: createAgentRollout({
      store: runs,
      planner: options.planner,
      setup: options.setup,
      limits: { maxSteps: suite.maxSteps },
      moduleMaxTokens: { planner: 64 },
    }),
    planner: options.planner,
    datasetId: options.datasetId,
    baseModel: options.modelPath,
    adaptersDir: path.join(options.dir, 'warm-start'),
    startTrainer: (init) => startTrainerProcess({ init: { ...init, threads: 1 } }),
    config: {
      objective: 'sft',
      steps: settings.steps,
      learningRate: settings.learningRate,
      evalLimit: 0,
      autoPromote: false,
      lora: options.lora,
    },
  });
  const adapter = new AdapterRegistry(db)
    .list(options.modelPath)
    .filter((a) => a.trainingRunId === sft.trainingRunId)
    .at(-1);
  if (adapter === undefined) throw new Error(`The ${suite.name} suite's warm start wrote no adapter.`);
  return adapter.path;
}
