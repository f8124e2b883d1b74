import type { DatasetStore } from '../datasets/dataset-store.ts';
import { importDataset } from '../datasets/import-dataset.ts';
import type { AdapterRegistry } from '../adapters/adapter-registry.ts';
import type { TrainingStore } from '../training/training-store.ts';
import type { Backend } from '../backend.ts';
import { InflowError } from '../errors.ts';
import type { z } from 'zod';
import type {
  AdapterView,
  AgentflowExportView,
  agentflowExportSchema,
  DatasetView,
  TrainingMetricsPoint,
  TrainingRunView,
} from '../contract/training.ts';
import { exportForAgentflow, type AgentflowSource } from '../training/agentflow-export/export-agentflow.ts';

/**
 * The Training screen's reads and the adapter lifecycle: datasets (DatasetStore), training runs and their
 * per-step metrics (tables training_runs / training_steps written by the trainer), adapter versions
 * (AdapterRegistry, whose change listeners hot-swap the planner's adapter).
 */
export class TrainingReads {
  readonly datasets: DatasetStore;
  readonly adapters: AdapterRegistry;
  private readonly backend: Pick<Backend, 'datasets' | 'training' | 'history'>;
  private readonly store: TrainingStore;

  /** Over the back end's stores (backend.ts builds them once). */
  constructor(backend: Pick<Backend, 'datasets' | 'adapters' | 'training' | 'history'>) {
    this.backend = backend;
    this.datasets = backend.datasets;
    this.adapters = backend.adapters;
    this.store = backend.training;
  }

  listDatasets(): DatasetView[] {
    return this.datasets.list().map((dataset) => ({
      id: dataset.id,
      name: dataset.name,
      source: dataset.source,
      createdAt: dataset.createdAt,
      trainItems: dataset.counts.train,
      heldoutItems: dataset.counts.heldout,
    }));
  }

  importDataset(input: { path: string; name?: string; heldoutFraction?: number; skipUnscorable?: boolean }): DatasetView & { leftOut: string[] } {
    const { record, leftOut } = importDataset(this.datasets, {
      file: input.path,
      name: input.name,
      heldOutFraction: input.heldoutFraction,
      skipUnscorable: input.skipUnscorable,
    });
    return { ...this.listDatasets().find((dataset) => dataset.id === record.id)!, leftOut: leftOut.map((item) => `${item.where}: ${item.reason}`) };
  }

  /** Writes an experiment for the reference's verl trainer (see docs/training.md, "Bigger than one machine"). */
  exportForAgentflow(input: z.infer<typeof agentflowExportSchema>, plannerPath: string | null): AgentflowExportView {
    const source: AgentflowSource =
      'trainingRunId' in input.source
        ? { trainingRunId: input.source.trainingRunId }
        : 'datasetId' in input.source
          ? { dataset: input.source.datasetId }
          : { userTasks: true };
    const result = exportForAgentflow({
      stores: this.backend,
      outDir: input.outDir,
      source,
      adapter: input.full !== true,
      ...('trainingRunId' in source || plannerPath === null ? {} : { modelPath: plannerPath }),
      ...(input.hfModelId === undefined ? {} : { hfModelId: input.hfModelId }),
      ...(input.nodes === undefined ? {} : { nodes: input.nodes }),
      ...(input.gpusPerNode === undefined ? {} : { gpusPerNode: input.gpusPerNode }),
    });
    return {
      outDir: result.outDir,
      readmeFile: result.readmeFile,
      train: result.train,
      val: result.val,
      hfModelId: result.hfModelId,
      datasetName: result.datasetName,
      leftOut: result.leftOut.length,
    };
  }

  listRuns(): TrainingRunView[] {
    return this.store.runRowsWithDataset().map(toRunView);
  }

  getRun(id: string): TrainingRunView {
    const [row] = this.store.runRowsWithDataset(id);
    if (row === undefined)
      throw new InflowError('TRAINING_RUN_NOT_FOUND', `No training run "${id}".`, { hint: 'Pick one from the list on the Training screen.' });
    return toRunView(row);
  }

  metrics(trainingRunId: string): TrainingMetricsPoint[] {
    this.getRun(trainingRunId);
    return this.store.stepRows(trainingRunId).map((row) => toPoint(row.step, row.createdAt, JSON.parse(row.metrics) as Record<string, unknown>));
  }

  listAdapters(activeBase: string | null): AdapterView[] {
    const active = activeBase === null ? null : this.adapters.active(activeBase);
    return this.adapters.list().map((adapter) => ({
      id: adapter.id,
      trainingRunId: adapter.trainingRunId,
      parentId: adapter.parentId,
      version: adapter.version,
      createdAt: adapter.createdAt,
      baseModel: adapter.baseModel,
      status: adapter.status,
      metrics: adapter.metrics,
      active: active?.id === adapter.id,
    }));
  }
}

/** Reads a metric under any of the names trainers use for it; null when absent or not a finite number. */
function pick(metrics: Record<string, unknown>, ...names: string[]): number | null {
  for (const name of names) {
    const value = metrics[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

export function toPoint(step: number, at: number, metrics: Record<string, unknown>): TrainingMetricsPoint {
  return {
    step,
    at,
    rewardMean: pick(metrics, 'rewardMean', 'reward_mean', 'reward'),
    rewardStd: pick(metrics, 'rewardStd', 'reward_std'),
    heldoutAccuracy: pick(metrics, 'heldoutAccuracy', 'heldout_accuracy'),
    kl: pick(metrics, 'kl', 'klMean'),
    loss: pick(metrics, 'loss', 'lossMean'),
    clipFraction: pick(metrics, 'clipFraction', 'clip_fraction'),
    clipFractions: Array.isArray(metrics.updates)
      ? (metrics.updates as Array<Record<string, unknown>>).map((u) => pick(u, 'clipFraction') ?? 0)
      : null,
    informativeFraction: pick(metrics, 'informativeFraction'),
    warning: typeof metrics.warning === 'string' ? metrics.warning : null,
    tokensPerSecond: pick(metrics, 'tokensPerSecond', 'tokens_per_second'),
  };
}

function toRunView(row: Record<string, unknown>): TrainingRunView {
  return {
    id: row.id as string,
    createdAt: row.created_at as number,
    endedAt: row.ended_at as number | null,
    status: row.status as TrainingRunView['status'],
    datasetId: row.dataset_id as string | null,
    datasetName: row.dataset_name as string | null,
    baseModel: row.base_model as string,
    config: JSON.parse(row.config as string) as Record<string, unknown>,
    lastCompletedStep: row.last_completed_step as number,
    error: row.error as string | null,
  };
}
