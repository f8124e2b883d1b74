/**
 * Scoring and report throughput: scores every item of every named benchmark against its reference answer and
 * against a wrong answer (rules only, no judge), then builds and renders a report of a 300-item evaluation.
 * Prints figures; asserts nothing. Run: npm run bench:eval
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchmarkCatalog, buildEvalReport, EvalStore, loadBenchmark, renderHtmlReport, renderTextReport } from '../electron/core/eval/index.ts';
import { scoreByRules } from '../electron/core/scoring/index.ts';
import { openDatabase } from '../electron/core/store/database.ts';

let scored = 0;
let agreed = 0;
const started = performance.now();
for (const info of benchmarkCatalog) {
  const loadStart = performance.now();
  const benchmark = loadBenchmark(info.name);
  const loadMs = performance.now() - loadStart;
  const scoreStart = performance.now();
  let right = 0;
  for (const item of benchmark.items) {
    const common = {
      expected: item.expected,
      kind: item.answerKind,
      question: item.question,
      ...(item.choices ? { choices: item.choices } : {}),
      ...(item.numbers ? { numbers: item.numbers } : {}),
    };
    if (scoreByRules({ ...common, response: `<answer>${item.expected[0]}</answer>` }).correct) right++;
    if (!scoreByRules({ ...common, response: '<answer>zzz 999999</answer>' }).correct) right++;
    scored += 2;
  }
  agreed += right;
  const perItemUs = ((performance.now() - scoreStart) * 1000) / (2 * benchmark.items.length);
  console.log(
    `${info.name.padEnd(10)} ${String(benchmark.items.length).padStart(4)} items  load ${loadMs.toFixed(1)} ms  score ${perItemUs.toFixed(1)} µs/answer  reference/wrong verdicts as expected: ${right}/${2 * benchmark.items.length}`,
  );
}
console.log(`all: ${scored} answers in ${(performance.now() - started).toFixed(0)} ms, ${agreed}/${scored} verdicts as expected`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-bench-eval-'));
try {
  const db = openDatabase(path.join(dir, 'inflow.db'));
  const store = new EvalStore(db);
  const benchmark = loadBenchmark('medqa');
  const evaluation = store.create({
    benchmark: 'medqa',
    benchmarkFile: benchmark.file,
    benchmarkHash: benchmark.hash,
    itemCount: 300,
    plannedCount: 300,
    plannerModel: 'bench',
  });
  const insertStart = performance.now();
  for (const item of benchmark.items) {
    store.recordItem({
      evaluationId: evaluation.id,
      position: item.position,
      runId: null,
      category: null,
      answerKind: item.answerKind,
      expected: item.expected,
      answer: 'A',
      extracted: 'A',
      correct: item.position % 3 === 0,
      score: item.position % 3 === 0 ? 1 : 0,
      method: 'choice',
      reason: 'bench',
      stopReason: 'answered',
      steps: 3,
      tokens: 2000,
      durationMs: 1000,
      toolCalls: { python: 1 },
    });
  }
  const insertMs = performance.now() - insertStart;
  const reportStart = performance.now();
  const report = buildEvalReport({ evalStore: store, evaluationIds: [evaluation.id] });
  const html = renderHtmlReport(report);
  renderTextReport(report);
  console.log(
    `store 300 verdicts ${insertMs.toFixed(1)} ms; build + render report ${(performance.now() - reportStart).toFixed(1)} ms (${(html.length / 1024).toFixed(0)} KiB HTML)`,
  );
  db.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
