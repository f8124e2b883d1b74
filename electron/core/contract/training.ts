import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput, idSchema } from './common.ts';

export interface DatasetView {
  id: string;
  name: string;
  source: string | null;
  createdAt: number;
  trainItems: number;
  heldoutItems: number;
}

/** One point of the live charts. Absent metrics are null (for example held-out accuracy between evals). */
export interface TrainingMetricsPoint {
  step: number;
  at: number;
  rewardMean: number | null;
  rewardStd: number | null;
  heldoutAccuracy: number | null;
  kl: number | null;
  loss: number | null;
  clipFraction: number | null;
  /** Per optimizer update of the step (PPO mini-batches), in order. */
  clipFractions: number[] | null;
  /** Share of the step's groups whose rewards differed (the ones that teach anything). */
  informativeFraction: number | null;
  /** Why the run is not learning, with a fix (set on the step where it was noticed, or the last step of a run that wrote no adapter). */
  warning: string | null;
  tokensPerSecond: number | null;
}

export interface TrainingRunView {
  id: string;
  createdAt: number;
  endedAt: number | null;
  status: 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';
  datasetId: string | null;
  datasetName: string | null;
  baseModel: string;
  config: Record<string, unknown>;
  lastCompletedStep: number;
  error: string | null;
}

export interface AdapterView {
  id: string;
  trainingRunId: string | null;
  parentId: string | null;
  version: number;
  createdAt: number;
  baseModel: string;
  status: 'candidate' | 'promoted' | 'archived';
  metrics: Record<string, unknown>;
  /** The agent's planner uses it now. */
  active: boolean;
}

export interface TrainingPreset {
  id: 'quick' | 'standard' | 'thorough';
  label: string;
  description: string;
  steps: number;
  groupSize: number;
  /** Tasks per step. */
  tasksPerStep: number;
  /** Held-out items per evaluation (0: all). */
  evalLimit: number;
  learningRate: number;
  loraRank: number;
}

export const trainingPresets: readonly TrainingPreset[] = [
  {
    id: 'quick',
    label: 'Quick try',
    description: 'A few small steps to see the loop work; minutes on a laptop.',
    steps: 3,
    groupSize: 4,
    tasksPerStep: 1,
    evalLimit: 4,
    learningRate: 1e-4,
    loraRank: 8,
  },
  {
    id: 'standard',
    label: 'Standard',
    description: "The paper's group size; an hour or more on CPU.",
    steps: 40,
    groupSize: 8,
    tasksPerStep: 4,
    evalLimit: 50,
    learningRate: 1e-5,
    loraRank: 16,
  },
  {
    id: 'thorough',
    label: 'Thorough',
    description: 'Long run, every held-out item checked; overnight.',
    steps: 200,
    groupSize: 8,
    tasksPerStep: 8,
    evalLimit: 0,
    learningRate: 1e-5,
    loraRank: 32,
  },
];

export const startTrainingSchema = z
  .object({
    datasetId: idSchema,
    preset: z.enum(['quick', 'standard', 'thorough']),
    steps: z.number().int().min(1).max(10_000).optional(),
    groupSize: z.number().int().min(2).max(64).optional(),
    /**
     * Who judges free-form answers: absent = the executor's model when it is not the planner's, else none;
     * null = no judge (rules only); an installed model id = that model (refused if it is the planner's own).
     */
    judgeModelId: z.string().min(1).max(500).nullable().optional(),
  })
  .strict();

/** What `training.exportForAgentflow` wrote (electron/core/training/agentflow-export). */
export interface AgentflowExportView {
  outDir: string;
  readmeFile: string;
  train: number;
  val: number;
  hfModelId: string;
  datasetName: string;
  leftOut: number;
}

/** Export a training run (or a dataset, or the user's rewarded tasks) for the reference's verl trainer. */
export const agentflowExportSchema = z
  .object({
    source: z.union([
      z.object({ trainingRunId: idSchema }).strict(),
      z.object({ datasetId: idSchema }).strict(),
      z.object({ userTasks: z.literal(true) }).strict(),
    ]),
    outDir: z.string().trim().min(1, 'choose a folder to write').max(4096),
    /** The base model's Hugging Face id, ORG/NAME; needed when the planner's GGUF does not name it. */
    hfModelId: z.string().trim().min(3).max(200).optional(),
    /** Train all weights instead of a LoRA adapter. */
    full: z.boolean().optional(),
    nodes: z.number().int().min(1).max(1024).optional(),
    gpusPerNode: z.number().int().min(1).max(64).optional(),
  })
  .strict();

/** Flow-GRPO: datasets, training runs with live metrics, adapter versions. */
export const trainingContract = {
  datasets: method<DatasetView[]>()(emptyInput),
  /** Items that can never score are refused naming each; with skipUnscorable they are left out and listed in `leftOut`. */
  importDataset: method<DatasetView & { leftOut: string[] }>()(
    z
      .object({
        path: z.string().trim().min(1, 'name a JSON or JSONL file').max(4096),
        name: z.string().trim().min(1).max(200).optional(),
        heldoutFraction: z.number().min(0).max(0.9).optional(),
        skipUnscorable: z.boolean().optional(),
      })
      .strict(),
  ),
  deleteDataset: method<{ deleted: boolean }>()(z.object({ datasetId: idSchema }).strict()),
  runs: method<TrainingRunView[]>()(emptyInput),
  metrics: method<TrainingMetricsPoint[]>()(z.object({ trainingRunId: idSchema }).strict()),
  start: method<TrainingRunView>()(startTrainingSchema),
  stop: method<{ stopped: boolean }>()(z.object({ trainingRunId: idSchema }).strict()),
  resume: method<TrainingRunView>()(z.object({ trainingRunId: idSchema }).strict()),
  /** A paused or failed run the user will not resume: finished, and what it kept for a resume is freed. */
  end: method<{ run: TrainingRunView; freedBytes: number }>()(z.object({ trainingRunId: idSchema }).strict()),
  adapters: method<AdapterView[]>()(emptyInput),
  promote: method<AdapterView[]>()(z.object({ adapterId: idSchema }).strict()),
  rollback: method<AdapterView[]>()(emptyInput),
  useBase: method<AdapterView[]>()(emptyInput),
  exportForAgentflow: method<AgentflowExportView>()(agentflowExportSchema),
};
