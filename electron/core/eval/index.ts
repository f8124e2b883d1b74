/**
 * Benchmark evaluation: load a benchmark, run the agent on each item, score it (electron/core/scoring),
 * store runs and verdicts, resume, and report (terminal, JSON, offline HTML).
 */
export { benchmarkCatalog, findBenchmark, resolveBenchmarksDir, BENCHMARKS_DIR_ENV, type BenchmarkInfo } from './benchmark-catalog.ts';
export { loadBenchmark, type Benchmark, type EvalItem } from './load-benchmark.ts';
export {
  EvalStore,
  type EvalItemInput,
  type EvalItemRecord,
  type EvaluationRecord,
  type EvaluationStart,
  type EvaluationStatus,
} from './eval-store.ts';
export { runEvaluation, type EvalAgent, type EvalAgentResult, type EvalProgress, type RunEvaluationOptions } from './run-evaluation.ts';
export { wilsonInterval, mcnemarExact } from './statistics.ts';
export { summarizeEvaluation, compareEvaluations, plannerLabel, type AccuracyCell, type Comparison, type EvaluationSummary } from './summarize.ts';
export { buildEvalReport, loadTrainingCurve, type EvalReport, type TrainingCurve } from './eval-report.ts';
export { renderTextReport } from './report-text.ts';
export { renderHtmlReport } from './report-html.ts';
export { paperResults, paperResultsFor, type PaperRow } from './paper-results.ts';
export { createEvalAgent, type EvalAgentOptions } from './eval-agent.ts';
export { evaluatePlanner, type EvaluatePlannerOptions } from './evaluate-planner.ts';
export { loadEvalModels, type EvalModelOptions, type EvalModels } from './eval-models.ts';
export { writeReportFiles } from './report-files.ts';
