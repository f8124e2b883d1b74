import type { EvalItemRecord, EvaluationRecord } from './eval-store.ts';
import { findBenchmark } from './benchmark-catalog.ts';
import { paperResultsFor } from './paper-results.ts';
import { mcnemarExact, wilsonInterval } from './statistics.ts';

export interface AccuracyCell {
  scored: number;
  correct: number;
  /** Fraction in [0, 1]. */
  accuracy: number;
  /** 95 % Wilson interval. */
  ci: { low: number; high: number };
}

export interface EvaluationSummary extends AccuracyCell {
  evaluation: EvaluationRecord;
  title: string;
  /** "base" or the adapter id, with the planner model. */
  label: string;
  byCategory: Array<AccuracyCell & { category: string }>;
  averageSteps: number;
  /** Total calls per tool, over all scored items. */
  toolUsage: Record<string, number>;
  stopReasons: Record<string, number>;
  /** How the verdicts were reached (normalized, numeric, judge, ...). */
  methods: Record<string, number>;
  averageTokens: number;
  averageSeconds: number;
  /** The AgentFlow paper's accuracies (%) on this benchmark, for reference. */
  paper: Array<{ system: string; accuracy: number }>;
}

export interface Comparison {
  benchmark: string;
  a: string;
  b: string;
  /** Positions both evaluations scored. */
  paired: number;
  bothCorrect: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  accuracyA: number;
  accuracyB: number;
  /** Exact McNemar, two-sided. */
  pValue: number;
}

const cell = (correct: number, scored: number): AccuracyCell => ({
  scored,
  correct,
  accuracy: scored === 0 ? 0 : correct / scored,
  ci: wilsonInterval(correct, scored),
});
const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
const count = (values: Array<string | null>) => {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value ?? 'unknown'] = (counts[value ?? 'unknown'] ?? 0) + 1;
  return counts;
};

/** A display label for an evaluation's planner. */
export function plannerLabel(evaluation: EvaluationRecord): string {
  const model = evaluation.plannerModel ?? 'unknown model';
  return evaluation.adapterId === null ? `${model} (base)` : `${model} + ${evaluation.adapterId}`;
}

/** Accuracy with its interval, per-category breakdown, steps, tools, stop reasons, tokens and time per task. */
export function summarizeEvaluation(evaluation: EvaluationRecord, items: readonly EvalItemRecord[]): EvaluationSummary {
  const categories = [...new Set(items.map((item) => item.category).filter((c) => c !== null))].sort();
  const toolUsage: Record<string, number> = {};
  for (const item of items) for (const [tool, calls] of Object.entries(item.toolCalls)) toolUsage[tool] = (toolUsage[tool] ?? 0) + calls;
  return {
    evaluation,
    title: findBenchmark(evaluation.benchmark)?.title ?? evaluation.benchmark,
    label: plannerLabel(evaluation),
    ...cell(items.filter((item) => item.correct).length, items.length),
    byCategory: categories.map((category) => {
      const inCategory = items.filter((item) => item.category === category);
      return { category, ...cell(inCategory.filter((item) => item.correct).length, inCategory.length) };
    }),
    averageSteps: mean(items.map((item) => item.steps)),
    toolUsage,
    stopReasons: count(items.map((item) => item.stopReason)),
    methods: count(items.map((item) => item.method)),
    averageTokens: mean(items.map((item) => item.tokens)),
    averageSeconds: mean(items.map((item) => item.durationMs / 1000)),
    paper: paperResultsFor(findBenchmark(evaluation.benchmark)?.name ?? ''),
  };
}

/** Pairs two evaluations of the same benchmark item by item (by position) and tests the difference. */
export function compareEvaluations(
  a: EvaluationSummary,
  itemsA: readonly EvalItemRecord[],
  b: EvaluationSummary,
  itemsB: readonly EvalItemRecord[],
): Comparison {
  const byPosition = new Map(itemsB.map((item) => [item.position, item]));
  let bothCorrect = 0,
    onlyA = 0,
    onlyB = 0,
    neither = 0;
  for (const itemA of itemsA) {
    const itemB = byPosition.get(itemA.position);
    if (itemB === undefined) continue;
    if (itemA.correct && itemB.correct) bothCorrect++;
    else if (itemA.correct) onlyA++;
    else if (itemB.correct) onlyB++;
    else neither++;
  }
  const paired = bothCorrect + onlyA + onlyB + neither;
  return {
    benchmark: a.title,
    a: a.label,
    b: b.label,
    paired,
    bothCorrect,
    onlyA,
    onlyB,
    neither,
    accuracyA: paired === 0 ? 0 : (bothCorrect + onlyA) / paired,
    accuracyB: paired === 0 ? 0 : (bothCorrect + onlyB) / paired,
    pValue: mcnemarExact(onlyA, onlyB),
  };
}
