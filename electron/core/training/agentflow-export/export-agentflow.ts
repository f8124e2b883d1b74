import fs from 'node:fs';
import path from 'node:path';
import { DatasetStore, type DatasetItem, type DatasetRecord } from '../../datasets/dataset-store.ts';
import { unscorableReason } from '../../datasets/item-scorability.ts';
import { harvestUserTasks } from '../../datasets/user-tasks.ts';
import { InflowError } from '../../errors.ts';
import type { Database } from '../../store/database.ts';
import { RunHistory } from '../../store/run-history.ts';
import { resolveTrainingConfig, type TrainingConfig } from '../flow-grpo/training-config.ts';
import { TrainingStore } from '../training-store.ts';
import { agentflowConfig, renderAgentflowConfig } from './agentflow-config.ts';
import { agentflowRows, writeAgentflowParquet } from './agentflow-parquet.ts';
import { agentflowReadme } from './agentflow-readme.ts';
import { clusterBatches } from './cluster-batches.ts';
import { HF_ID_KEYS, hfIdFrom, hfIdOfGguf } from './hf-model-id.ts';
import { counterpartOf, trainingRolloutTools } from './tool-mapping.ts';

/** Where the tasks come from: a training run (its dataset and settings), a dataset, or the user's past rewarded tasks. */
export type AgentflowSource = { trainingRunId: string } | { dataset: string } | { userTasks: true };

/** The stores an export reads: the back end's (backend.ts), which the app and `inflow train export` pass. */
export interface AgentflowExportStores {
  datasets: DatasetStore;
  training: TrainingStore;
  /** The user's past tasks and the tools their runs used (a user-task source). */
  history: RunHistory;
}

/** `stores` (the back end's), or only `db` (tests that hold a database): the stores are then built over it. */
export type AgentflowExportOptions = ({ stores: AgentflowExportStores } | { db: Database }) & AgentflowExportSettings;

export interface AgentflowExportSettings {
  outDir: string;
  source: AgentflowSource;
  /** The planner's GGUF (from the run when the source is a run); its metadata may name the Hugging Face id. */
  modelPath?: string;
  /** The base model's Hugging Face id; required when the GGUF's metadata names none. */
  hfModelId?: string;
  /** Settings for a dataset or user-task source (a run brings its own). */
  config?: Partial<TrainingConfig>;
  /** Train a LoRA adapter (default) or the full model. */
  adapter?: boolean;
  nodes?: number;
  gpusPerNode?: number;
  toolSteps?: number;
  maxPromptLength?: number;
  maxResponseLength?: number;
  /** Prompts per step on the cluster (default: the run's tasks per step). */
  trainBatch?: number;
  /** PPO mini-batch in prompts (default: the reference's ratio, a quarter of the batch). */
  miniBatch?: number;
}

export interface AgentflowExportResult {
  outDir: string;
  trainFile: string;
  valFile: string;
  configFile: string;
  readmeFile: string;
  heldoutFile: string;
  manifestFile: string;
  train: number;
  val: number;
  hfModelId: string;
  datasetName: string;
  leftOut: Array<{ question: string; reason: string }>;
}

const TRAIN_FILE = 'train/inflow_train.parquet';
const VAL_FILE = 'val/inflow_val.parquet';

/**
 * Exports an experiment for the reference's trainer (lupantech/AgentFlow on verl): train/val Parquet in its
 * schema with Inflow's split kept, its `train/config.yaml` filled from the run's settings, a README with the
 * commands and the tool mapping, the held-out tasks for `inflow eval`, and a manifest. Refuses a non-empty
 * folder (EXPORT_DIR_INVALID) and a base model it cannot name on Hugging Face (USAGE, asking for --base-model).
 */
export function exportForAgentflow(options: AgentflowExportOptions): AgentflowExportResult {
  const { datasets, training, history } =
    'stores' in options
      ? options.stores
      : { datasets: new DatasetStore(options.db), training: new TrainingStore(options.db), history: new RunHistory(options.db) };
  let dataset: DatasetRecord;
  let config: TrainingConfig;
  let modelPath = options.modelPath;
  let trainingRunId: string | null = null;
  if ('trainingRunId' in options.source) {
    const run = training.getRun(options.source.trainingRunId);
    if (run.datasetId === null)
      throw new InflowError('DATASET_NOT_FOUND', `The dataset of training run ${run.id} was deleted.`, {
        hint: 'Export from a dataset instead: --dataset NAME --model PATH.',
      });
    dataset = datasets.get(run.datasetId);
    config = resolveTrainingConfig({ ...run.config, ...options.config });
    modelPath ??= run.baseModel;
    trainingRunId = run.id;
  } else {
    dataset = 'dataset' in options.source ? datasets.get(options.source.dataset) : harvestedDataset(datasets, history);
    config = resolveTrainingConfig(options.config);
  }
  const hf = baseModelId(options.hfModelId, modelPath);
  const outDir = path.resolve(options.outDir);
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    throw new InflowError('EXPORT_DIR_INVALID', `${outDir} is not empty.`, { hint: 'Name a new or empty folder with --out; nothing was written.' });
  }

  const leftOut: Array<{ question: string; reason: string }> = [];
  const keep = (item: DatasetItem) => {
    const reason = unscorableReason(item) ?? toolWithoutCounterpart(history, item);
    if (reason !== null) leftOut.push({ question: item.question, reason });
    return reason === null;
  };
  const train = datasets.items(dataset.id, 'train').filter(keep);
  const heldOut = datasets.items(dataset.id, 'heldout').filter(keep);
  if (train.length === 0)
    throw new InflowError('DATASET_EMPTY', `Dataset "${dataset.name}" has no training tasks to export.`, {
      hint: 'Import more tasks, or check what was left out.',
    });
  if (heldOut.length === 0)
    throw new InflowError('DATASET_EMPTY', `Dataset "${dataset.name}" has no held-out tasks; the reference validates on them.`, {
      hint: 'Import it again with --heldout 0.2.',
    });

  const gpusPerNode = options.gpusPerNode ?? 8;
  const nodes = options.nodes ?? 1;
  const batches = clusterBatches({
    trainBatch: options.trainBatch ?? config.tasksPerStep,
    miniBatch: options.miniBatch,
    groupSize: config.groupSize,
    gpus: gpusPerNode * nodes,
  });
  const experimentName = `inflow_${dataset.name.replace(/[^A-Za-z0-9_-]+/g, '_')}`;
  const cluster = {
    hfModelId: hf.id,
    gpusPerNode,
    nodes,
    toolSteps: options.toolSteps ?? 3,
    maxPromptLength: options.maxPromptLength ?? 4096,
    maxResponseLength: options.maxResponseLength ?? 2048,
    trainBatch: batches.trainBatch,
    miniBatch: batches.miniBatch,
    microBatchPerGpu: batches.microBatchPerGpu,
    tools: trainingRolloutTools,
    adapter: options.adapter ?? true,
    experimentName,
    trainFile: TRAIN_FILE,
    valFile: VAL_FILE,
  };
  const yaml = renderAgentflowConfig(agentflowConfig(config, cluster), [
    `lupantech/AgentFlow train/config.yaml, written by inflow train export --for agentflow${trainingRunId === null ? '' : ` (training run ${trainingRunId})`}`,
    'Settings from the Inflow run: group size -> rollout.n, tasks per step -> train_batch_size, lr, clip low/high, KL, temperatures, tool steps.',
  ]);

  const files = {
    trainFile: path.join(outDir, 'data', TRAIN_FILE),
    valFile: path.join(outDir, 'data', VAL_FILE),
    configFile: path.join(outDir, 'train', 'config.yaml'),
    readmeFile: path.join(outDir, 'README.md'),
    heldoutFile: path.join(outDir, 'heldout.jsonl'),
    manifestFile: path.join(outDir, 'manifest.json'),
  };
  for (const file of Object.values(files)) fs.mkdirSync(path.dirname(file), { recursive: true });
  writeAgentflowParquet(files.trainFile, agentflowRows(train, dataset.name));
  writeAgentflowParquet(files.valFile, agentflowRows(heldOut, dataset.name));
  fs.writeFileSync(files.configFile, yaml);
  fs.writeFileSync(
    files.heldoutFile,
    heldOut
      .map((item) =>
        JSON.stringify({
          question: item.question,
          answer: item.answer,
          answer_kind: item.answerKind,
          split: 'heldout',
          idx: item.idx,
          ...(Array.isArray(item.meta.choices) ? { options: item.meta.choices } : {}),
        }),
      )
      .join('\n') + '\n',
  );
  fs.writeFileSync(
    files.readmeFile,
    agentflowReadme({
      hfModelId: hf.id,
      hfModelIdFrom: hf.from,
      baseModelPath: modelPath ?? 'BASE.gguf',
      datasetName: dataset.name,
      trainRows: train.length,
      valRows: heldOut.length,
      trainFile: TRAIN_FILE,
      valFile: VAL_FILE,
      experimentName,
      nodes,
      gpusPerNode,
      adapter: cluster.adapter,
      leftOut,
      adjustments: batches.adjustments,
      trainingRunId,
      maxPromptLength: cluster.maxPromptLength,
      maxResponseLength: cluster.maxResponseLength,
    }),
  );
  fs.writeFileSync(
    files.manifestFile,
    `${JSON.stringify(
      {
        for: 'lupantech/AgentFlow (verl 0.5.0)',
        trainingRunId,
        dataset: { id: dataset.id, name: dataset.name },
        baseModel: { gguf: modelPath ?? null, hfId: hf.id, from: hf.from },
        train: train.length,
        val: heldOut.length,
        leftOut,
        config,
        cluster,
      },
      null,
      2,
    )}\n`,
  );
  return { outDir, ...files, train: train.length, val: heldOut.length, hfModelId: hf.id, datasetName: dataset.name, leftOut };
}

function baseModelId(given: string | undefined, modelPath: string | undefined): { id: string; from: string } {
  if (given !== undefined) {
    const id = hfIdFrom(given);
    if (id === null)
      throw new InflowError('USAGE', `"${given}" is not a Hugging Face model id.`, { hint: 'Write it as ORG/NAME, e.g. Qwen/Qwen2.5-7B-Instruct.' });
    return { id, from: 'given with --base-model' };
  }
  const named = modelPath === undefined ? null : hfIdOfGguf(modelPath);
  if (named === null) {
    throw new InflowError(
      'USAGE',
      `${modelPath === undefined ? 'No planner model was given' : `The GGUF ${path.basename(modelPath)} does not name its Hugging Face repository`}, and the cluster loads the base model from there.`,
      {
        hint: `Give it with --base-model ORG/NAME (the model the GGUF was converted from). Looked at: ${HF_ID_KEYS.join(', ')}.`,
      },
    );
  }
  return { id: named.id, from: `named by the GGUF's ${named.key}` };
}

/** The user's past rewarded tasks as a stored dataset (split once, so later evaluations use the same held-out tasks). */
function harvestedDataset(datasets: DatasetStore, history: RunHistory): DatasetRecord {
  const harvest = harvestUserTasks(history);
  harvest.items = harvest.items.filter((item) => unscorableReason(item) === null);
  if (harvest.items.length === 0)
    throw new InflowError('DATASET_EMPTY', 'None of your past tasks carries a reward yet.', {
      hint: 'Give a thumbs up to good answers, or ask questions with an expected answer.',
    });
  const base = `my-tasks-${new Date().toISOString().slice(0, 10)}`;
  let name = base;
  for (let n = 2; datasets.find(name) !== undefined; n++) name = `${base}-${n}`;
  return datasets.create(harvest.items, { name, source: 'user tasks' });
}

/** For an item harvested from the user's tasks: the tools its runs used that have no counterpart on the cluster. */
function toolWithoutCounterpart(history: RunHistory, item: DatasetItem): string | null {
  const taskId = item.meta.taskId;
  if (typeof taskId !== 'string') return null;
  const used = history.toolsUsedByTask(taskId);
  const missing = used.filter((tool) => counterpartOf(tool)?.reference == null);
  return missing.length === 0 ? null : `its runs used ${missing.join(', ')}, which has no counterpart on the cluster`;
}
