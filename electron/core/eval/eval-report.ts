import { InflowError } from '../errors.ts';
import { AdapterRegistry } from '../adapters/adapter-registry.ts';
import { TrainingStore } from '../training/training-store.ts';
import type { EvalItemRecord, EvalStore, EvaluationRecord } from './eval-store.ts';
import { compareEvaluations, summarizeEvaluation, type Comparison, type EvaluationSummary } from './summarize.ts';

/** The metrics a training run logged per step, for the adapter an evaluation used. */
export interface TrainingCurve {
  adapterId: string;
  trainingRunId: string;
  /** Metric name → points in step order (only numeric metrics). */
  series: Record<string, Array<{ step: number; value: number }>>;
}

/** Everything a report shows; the JSON output is this object. */
export interface EvalReport {
  generatedAt: string;
  /** Things that make a number less trustworthy, e.g. an adapter trained on the benchmark it is scored on. */
  warnings: string[];
  summaries: EvaluationSummary[];
  comparisons: Comparison[];
  trainingCurves: TrainingCurve[];
  /** Every scored item with its verdict and reason, by evaluation id. */
  items: Record<string, EvalItemRecord[]>;
}

/** The stores a report reads: the back end's (backend.ts) where a front end builds the report. */
export interface EvalReportStores {
  evaluations: EvalStore;
  /** Which training run an adapter came from (its curve). */
  adapters: AdapterRegistry;
  /** The run's step metrics and dataset (its curve, the contamination warning). */
  training: TrainingStore;
}

/** The training curve of an adapter that came from a training run (null for base models or imported adapters). */
export function loadTrainingCurve(stores: Pick<EvalReportStores, 'adapters' | 'training'>, adapterId: string): TrainingCurve | null {
  const trainingRunId = stores.adapters.list().find((adapter) => adapter.id === adapterId)?.trainingRunId;
  if (trainingRunId == null) return null;
  const rows = stores.training.stepRows(trainingRunId);
  const series: TrainingCurve['series'] = {};
  for (const row of rows) {
    let metrics: unknown;
    try {
      metrics = JSON.parse(row.metrics);
    } catch {
      continue;
    }
    for (const [name, value] of Object.entries(metrics as Record<string, unknown>)) {
      if (typeof value === 'number' && Number.isFinite(value)) (series[name] ??= []).push({ step: row.step, value });
    }
  }
  return Object.keys(series).length === 0 ? null : { adapterId, trainingRunId, series };
}

/** A warning when the evaluation's adapter was trained on a dataset imported from the very benchmark file it is scored on. */
function contaminationWarning(training: TrainingStore, evaluation: EvaluationRecord): string[] {
  if (evaluation.adapterId === null) return [];
  const row = training.datasetOfAdapter(evaluation.adapterId);
  if (row === undefined || row.source !== evaluation.benchmarkFile) return [];
  return [
    `Adapter ${evaluation.adapterId} was trained on dataset "${row.name}", imported from ${evaluation.benchmarkFile} — the file this evaluation scores. Its accuracy here may be inflated by items seen in training.`,
  ];
}

/**
 * Builds the report for one or more evaluations: a summary each, a paired comparison for every two that
 * ran the same benchmark file with different planners, and the training curves of their adapters. Front ends pass
 * the back end's stores (`stores: backend`); the `evalStore`-only form, for scripts and tests that hold just an
 * EvalStore (scripts/bench-eval.ts), reads the adapters and training tables over that store's database.
 */
export function buildEvalReport(
  options: ({ stores: EvalReportStores } | { evalStore: EvalStore }) & { evaluationIds: readonly string[] },
): EvalReport {
  const stores: EvalReportStores =
    'stores' in options
      ? options.stores
      : { evaluations: options.evalStore, adapters: new AdapterRegistry(options.evalStore.db), training: new TrainingStore(options.evalStore.db) };
  const evalStore = stores.evaluations;
  const loaded = options.evaluationIds.map((id) => {
    const evaluation = evalStore.get(id);
    if (evaluation === undefined) throw new InflowError('EVALUATION_NOT_FOUND', `No evaluation ${id}.`, { hint: 'List them with: inflow eval list' });
    const items = evalStore.items(id);
    return { evaluation, items, summary: summarizeEvaluation(evaluation, items) };
  });
  const comparisons: Comparison[] = [];
  for (let i = 0; i < loaded.length; i++) {
    for (let j = i + 1; j < loaded.length; j++) {
      const a = loaded[i]!,
        b = loaded[j]!;
      if (a.evaluation.benchmarkHash !== b.evaluation.benchmarkHash) continue;
      comparisons.push(compareEvaluations(a.summary, a.items, b.summary, b.items));
    }
  }
  const adapterIds = [...new Set(loaded.map((l) => l.evaluation.adapterId).filter((id) => id !== null))];
  return {
    generatedAt: new Date().toISOString(),
    warnings: loaded.flatMap((l) => contaminationWarning(stores.training, l.evaluation)),
    summaries: loaded.map((l) => l.summary),
    comparisons,
    trainingCurves: adapterIds.map((id) => loadTrainingCurve(stores, id)).filter((curve) => curve !== null),
    items: Object.fromEntries(loaded.map((l) => [l.evaluation.id, l.items])),
  };
}
