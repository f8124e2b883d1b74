import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import {
  buildEvalReport,
  EvalStore,
  loadBenchmark,
  renderTextReport,
  runEvaluation,
  type EvalAgent,
  type RunEvaluationOptions,
} from '../../../electron/core/eval/index.ts';
import { createModelJudge } from '../../../electron/core/scoring/index.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';

const items = [
  { question: 'Capital of France?', answer: 'Paris', category: 'geo' },
  { question: 'What is 1/2 as a decimal?', answer: '0.5', category: 'math' },
  { question: 'Who wrote Hamlet?', answer: ['William Shakespeare', 'Shakespeare'], category: 'books' },
  { query: 'Using the numbers [4, 7, 8, 8], create an expression that equals 24.', question: [4, 7, 8, 8], answer: ['(7-8/8)×4'] },
  { question: 'Largest planet?', answer: 'Jupiter', category: 'geo' },
  { question: 'Which?\nA. Red\nB. Green\nChoose the correct option.', answer: 'Green' },
];
/** What the stand-in agent answers per position: 4 of 6 right by the rules; position 2 needs the judge. */
const answers = [
  '<answer>paris</answer>',
  '<answer>1/2</answer>',
  '<answer>The Bard, Shakespeare himself</answer>',
  '<answer>(8-8)*4+7</answer>',
  '<answer>Jupiter.</answer>',
  '<answer>(B)</answer>',
];

function setup() {
  const dir = tempDir();
  const file = path.join(dir, 'mini.json');
  fs.writeFileSync(file, JSON.stringify(items));
  const db = openDatabase(path.join(dir, 'inflow.db'));
  const runs = new RunStore(db);
  const evalStore = new EvalStore(db);
  const calls: number[] = [];
  /** Records a real run row per item, as runAgent does, and streams the events the runner counts. */
  const agent: EvalAgent = async ({ question, item, signal, onEvent }) => {
    calls.push(item.position);
    const task = runs.createTask({ question, source: 'eval' });
    const run = runs.startRun({ taskId: task.id, kind: 'eval' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (signal.aborted) {
      runs.endRun(run.id, { stopReason: 'cancelled' });
      return { runId: run.id, answer: null, stopReason: 'cancelled' };
    }
    onEvent({ type: 'step-start', step: 1, maxSteps: 3 });
    onEvent({ type: 'tool-call', step: 1, toolName: 'python', input: {}, command: '' });
    if (item.position % 2 === 0) onEvent({ type: 'tool-call', step: 1, toolName: 'search', input: {}, command: '' });
    onEvent({ type: 'step-start', step: 2, maxSteps: 3 });
    const usage = { promptTokens: 90, responseTokens: 10, totalTokens: 100, modelCalls: 4, toolCalls: 1 };
    onEvent({ type: 'run-end', runId: run.id, stopReason: 'answered', answer: answers[item.position]!, usage });
    runs.endRun(run.id, { stopReason: 'answered', answer: answers[item.position]!, totalTokens: 100 });
    return { runId: run.id, answer: answers[item.position]!, stopReason: 'answered' };
  };
  const options = (extra: Partial<RunEvaluationOptions> = {}): RunEvaluationOptions => ({
    evalStore,
    runs,
    benchmark: loadBenchmark(file),
    agent,
    plannerModel: 'tiny',
    adapterId: null,
    ...extra,
  });
  return { db, runs, evalStore, calls, options };
}

describe('runEvaluation', () => {
  it('scores every item once, stores verdicts with reasons and links each to its eval run', async () => {
    const { evalStore, runs, options } = setup();
    const evaluation = await runEvaluation(options());
    assert.equal(evaluation.status, 'completed');
    const stored = evalStore.items(evaluation.id);
    assert.deepEqual(
      stored.map((item) => item.correct),
      [true, true, false, false, true, true],
    );
    assert.deepEqual(
      stored.map((item) => item.method),
      ['normalized', 'numeric', 'normalized', 'gameof24', 'normalized', 'choice'],
    );
    assert.match(stored[3]!.reason, /not each of \[4, 7, 8, 8\]|not 24/);
    for (const item of stored) {
      assert.equal(runs.getRun(item.runId!)?.kind, 'eval');
      assert.equal(item.steps, 2);
      assert.equal(item.tokens, 100);
    }
    assert.deepEqual(stored[0]!.toolCalls, { python: 1, search: 1 });
    assert.equal(stored[0]!.question, 'Capital of France?', 'the question comes from the run task');
  });

  it('asks the local judge when the rules cannot decide, storing its reason and its model call on the run', async () => {
    const { evalStore, runs, options } = setup();
    const judgeModel = new ScriptedLanguageModel({ id: 'judge-model', turns: [{ json: { analysis: 'Both name Shakespeare.', true_false: true } }] });
    const evaluation = await runEvaluation(options({ judge: createModelJudge(judgeModel) }));
    const item = evalStore.items(evaluation.id)[2]!;
    assert.deepEqual([item.correct, item.method, item.reason], [true, 'judge', 'Both name Shakespeare.']);
    assert.equal(judgeModel.requests.length, 1);
    assert.match(judgeModel.requests[0]!.messages[0]!.content, /Ground Truth \(any of\): "William Shakespeare", "Shakespeare"/);
    const calls = runs.getModuleCalls(item.runId!);
    assert.deepEqual(
      calls.map((call) => call.module),
      ['judge'],
    );
    assert.equal(evaluation.judgeModel, 'judge-model');
  });

  it('resumes a cancelled evaluation where it stopped, never scoring an item twice', async () => {
    const { evalStore, calls, options } = setup();
    const controller = new AbortController();
    const first = await runEvaluation(
      options({
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'item-scored' && event.scored === 2) controller.abort();
        },
      }),
    );
    assert.equal(first.status, 'cancelled');
    assert.deepEqual([...evalStore.scoredPositions(first.id)].sort(), [0, 1]);
    const callsBefore = calls.length;
    const resumed = await runEvaluation(options());
    assert.equal(resumed.id, first.id);
    assert.equal(resumed.status, 'completed');
    assert.deepEqual(calls.slice(callsBefore), [2, 3, 4, 5]);
    assert.deepEqual(
      evalStore.items(first.id).map((item) => item.position),
      [0, 1, 2, 3, 4, 5],
    );
    const other = await runEvaluation(options({ limit: 1, config: { maxSteps: 3 } }));
    assert.notEqual(other.id, first.id, 'other settings start their own evaluation');
    const fresh = await runEvaluation(options({ fresh: true, limit: 2 }));
    assert.notEqual(fresh.id, first.id);
    assert.equal(evalStore.items(fresh.id).length, 2);
  });

  it('keeps the scored items and resumes after the agent itself fails', async () => {
    const { evalStore, options } = setup();
    let failOn: number | null = 3;
    const base = options();
    const flaky: EvalAgent = async (request) => {
      if (request.item.position === failOn) throw new Error('model crashed');
      return base.agent(request);
    };
    await assert.rejects(runEvaluation({ ...base, agent: flaky }), (error: unknown) => {
      assert.ok(InflowError.isInstance(error) && error.code === 'EVALUATION_FAILED');
      assert.match(error.message, /stopped after 3 of 6 items: model crashed/);
      assert.match(error.hint ?? '', /run the same command again/);
      return true;
    });
    const failed = evalStore.list()[0]!;
    assert.deepEqual([failed.status, failed.error], ['failed', 'model crashed']);
    failOn = null;
    const resumed = await runEvaluation({ ...base, agent: flaky });
    assert.equal(resumed.id, failed.id);
    assert.equal(evalStore.items(failed.id).length, 6);
  });

  it('runs items concurrently and still stores each position exactly once', async () => {
    const { evalStore, calls, options } = setup();
    const evaluation = await runEvaluation(options({ concurrency: 4 }));
    assert.deepEqual([...calls].sort(), [0, 1, 2, 3, 4, 5]);
    assert.equal(evalStore.items(evaluation.id).length, 6);
  });

  it('rejects a bad limit or concurrency with a usage error', async () => {
    const { options } = setup();
    await assert.rejects(runEvaluation(options({ limit: 0 })), /--limit must be a positive whole number/);
    await assert.rejects(runEvaluation(options({ concurrency: 1.5 })), /--concurrency must be a positive whole number/);
  });

  it('reports accuracy with its interval, categories, tools, and a paired test between two planners', async () => {
    const { evalStore, options } = setup();
    const base = await runEvaluation(options());
    const adapter = await runEvaluation(options({ adapterId: 'adp_1' }));
    const report = buildEvalReport({ evalStore, evaluationIds: [base.id, adapter.id] });
    const summary = report.summaries[0]!;
    assert.equal(summary.accuracy, 4 / 6);
    assert.ok(summary.ci.low < 4 / 6 && summary.ci.high > 4 / 6);
    assert.deepEqual(
      summary.byCategory.map((c) => [c.category, c.correct, c.scored]),
      [
        ['books', 0, 1],
        ['geo', 2, 2],
        ['math', 1, 1],
      ],
    );
    assert.deepEqual(summary.toolUsage, { python: 6, search: 3 });
    assert.equal(summary.averageSteps, 2);
    assert.deepEqual(summary.stopReasons, { answered: 6 });
    assert.equal(report.comparisons.length, 1);
    assert.deepEqual([report.comparisons[0]!.paired, report.comparisons[0]!.onlyA, report.comparisons[0]!.pValue], [6, 0, 1]);
    const text = renderTextReport(report);
    assert.match(text, /mini\s+tiny \(base\)\s+6\/6\s+66\.7%/);
    assert.match(text, /exact McNemar p = 1\.00/);
  });
});
