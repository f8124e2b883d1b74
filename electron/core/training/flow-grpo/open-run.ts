import fs from 'node:fs';
import type { AdapterRecord, AdapterRegistry } from '../../adapters/adapter-registry.ts';
import type { DatasetStore } from '../../datasets/dataset-store.ts';
import { InflowError } from '../../errors.ts';
import type { TrainingRunRecord, TrainingStore } from '../training-store.ts';
import type { LearningWarning } from './learning-signal.ts';
import type { TrainOptions } from './train-options.ts';
import { resolveTrainingConfig } from './training-config.ts';

/** Settings a resume may change (given explicitly); the run keeps its stored value of every other one. */
export const resumeSettings = ['steps', 'budgetMs', 'contextSize', 'maxAgentSteps', 'threads', 'evalLimit'] as const;

/** The run a `train` call works on: the one it resumes (with the settings a resume may change), or a new one. */
export function openRun(options: TrainOptions, store: TrainingStore, datasets: DatasetStore): TrainingRunRecord {
  if (options.resumeRunId !== undefined) {
    const run = store.getRun(options.resumeRunId);
    if (run.status === 'cancelled')
      throw new InflowError('TRAINING_DONE', `Training run ${run.id} was ended at step ${run.lastCompletedStep}.`, {
        hint: 'Start a new run; --from-adapter ID goes on from one of its adapters.',
      });
    if (run.status === 'completed' && !(options.config?.steps !== undefined && options.config.steps > run.lastCompletedStep))
      throw new InflowError('TRAINING_ALREADY_COMPLETED', `Training run ${run.id} already completed ${run.lastCompletedStep} steps.`, {
        hint: 'Give more --steps to continue it, or start a new run with --dataset.',
      });
    // what a resume may change, stored with the run; everything else (the objective, the sizes) stays as it started
    const changes = Object.fromEntries(resumeSettings.filter((key) => options.config?.[key] !== undefined).map((key) => [key, options.config![key]]));
    if (Object.keys(changes).length > 0) {
      const config = resolveTrainingConfig({ ...run.config, ...changes });
      store.setConfig(run.id, config);
    }
    return store.getRun(run.id);
  }
  if (options.datasetId === undefined || options.baseModel === undefined) {
    throw new InflowError('USAGE', 'Training needs a dataset and a base model, or a run to resume.', {
      hint: 'Use --dataset FILE|NAME and --model PATH, or --resume.',
    });
  }
  const dataset = datasets.get(options.datasetId);
  return store.createRun({ datasetId: dataset.id, baseModel: options.baseModel, config: resolveTrainingConfig(options.config) });
}

/**
 * Where a run goes on from: its last step's checkpoint and adapter, and the adapter the trainer starts from. A
 * finished run's trainer states are pruned by the disk retention rule (adapters/retention.ts): extending it continues
 * from the LoRA weights of its latest adapter, with fresh optimizer moments, and says so (the warning).
 */
export function resumePoint(
  run: TrainingRunRecord,
  store: TrainingStore,
  registry: AdapterRegistry,
): {
  checkpoint: { statePath: string; adapterId: string | null } | undefined;
  stateKept: boolean;
  adapter: AdapterRecord | null;
  continueFrom: string | null;
  warning: LearningWarning | null;
} {
  const step = run.lastCompletedStep;
  const checkpoint = step > 0 ? store.checkpoint(run.id, step) : undefined;
  if (step > 0 && checkpoint === undefined)
    throw new InflowError('TRAINING_CHECKPOINT_MISSING', `Run ${run.id} has no checkpoint for step ${step}.`, { hint: 'Start a new run.' });
  const stateKept = checkpoint !== undefined && fs.existsSync(checkpoint.statePath);
  const current = checkpoint?.adapterId ? registry.get(checkpoint.adapterId) : null;
  if (checkpoint === undefined || stateKept) return { checkpoint, stateKept, adapter: current, continueFrom: run.config.initAdapter, warning: null };
  const latest = store.latestAdapterCheckpoint(run.id, step);
  const adapter = latest === undefined ? null : registry.get(latest.adapterId);
  if (latest !== undefined && (adapter === null || !fs.existsSync(adapter.path))) {
    throw new InflowError(
      'TRAINING_CHECKPOINT_MISSING',
      `Run ${run.id} cannot go on from step ${step}: its trainer state and the adapter of step ${latest.step} were removed from the disk.`,
      { hint: 'Start a new run (--from-adapter ID continues from one of its kept adapters).' },
    );
  }
  return {
    checkpoint,
    stateKept,
    adapter,
    continueFrom: adapter !== null ? adapter.path : run.config.initAdapter,
    warning: {
      code: 'OPTIMIZER_STATE_RESTARTED',
      message: `The trainer state of step ${step} was pruned (the run had finished), so training goes on from ${adapter === null ? 'the starting weights' : `adapter v${adapter.version}`} with fresh optimizer moments.`,
      hint: 'Nothing to do; to keep trainer states of finished runs, extend a run before it is pruned (inflow adapters gc --dry-run lists what would go).',
    },
  };
}
