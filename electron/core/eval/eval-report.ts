import type { Database } from '../store/database.ts';
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

/** The training curve of an adapter that came from a training run (null for base models or imported adapters). */
export function loadTrainingCurve(db: Database, adapterId: string): TrainingCurve | null {
  const trainingRunId = new AdapterRegistry(db).list().find((adapter) => adapter.id === adapterId)?.trainingRunId;
  if (trainingRunId == null) return null;
  const rows = new TrainingStore(db).stepRows(trainingRunId);
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
function contaminationWarning(db: Database, evaluation: EvaluationRecord): string[] {
  if (evaluation.adapterId === null) return [];
  const row = new TrainingStore(db).datasetOfAdapter(evaluation.adapterId);
  if (row === undefined || row.source !== evaluation.benchmarkFile) return [];
  return [
    `Adapter ${evaluation.adapterId} was trained on dataset "${row.name}", imported from ${evaluation.benchmarkFile} — the file this evaluation scores. Its accuracy here may be inflated by items seen in training.`,
  ];
}

/**
 * Builds the report for one or more evaluations: a summary each, a paired comparison for every two that
 * ran the same benchmark file with different planners, and the training curves of their adapters.
 */
export function buildEvalReport(options: { evalStore: EvalStore; evaluationIds: readonly string[] }): EvalReport {
  const { evalStore } = options;
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
    warnings: loaded.flatMap((l) => contaminationWarning(evalStore.db, l.evaluation)),
    summaries: loaded.map((l) => l.summary),
    comparisons,
    trainingCurves: adapterIds.map((id) => loadTrainingCurve(evalStore.db, id)).filter((curve) => curve !== null),
    items: Object.fromEntries(loaded.map((l) => [l.evaluation.id, l.items])),
  };
}
