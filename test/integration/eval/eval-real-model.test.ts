import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { createEvalAgent, EvalStore, loadBenchmark, runEvaluation, type EvalAgent } from '../../../electron/core/eval/index.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import type { LocalModel } from '../../../electron/core/llm/local-model.ts';
import { createModelJudge, scoreAnswer } from '../../../electron/core/scoring/index.ts';
import { openDatabase, type Database } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { defineTool } from '../../../electron/core/tools/define-tool.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

// The real engine on a small random-weight GGUF: answers are noise, but every part is real — runAgent,
// node-llama-cpp generations under JSON grammars, the judge, SQLite — so this checks the plumbing end to end.
let model: LocalModel;
let db: Database;
let runs: RunStore;
let evalStore: EvalStore;

before(async () => {
  const engine = await getEngine({ gpu: false });
  model = await engine.loadModel({ path: testModelPath(), contextSize: 4096, threads: 1 });
  db = openDatabase(path.join(tempDir(), 'inflow.db'));
  runs = new RunStore(db);
  evalStore = new EvalStore(db);
});
after(async () => {
  db?.close();
  await model?.dispose();
});

/** A real tool (the agent runs it through its executor); it answers every lookup with the same note. */
const notes = defineTool({
  name: 'Notes_Lookup_Tool',
  description: "Looks a phrase up in the user's notes.",
  input: z.object({ query: z.string() }),
  output: 'The matching note.',
  async execute({ query }) {
    return `No note mentions "${query}".`;
  },
});

const agentFor = (benchmark: string): EvalAgent =>
  createEvalAgent({
    store: runs,
    models: { planner: model },
    tools: [notes],
    benchmark,
    limits: { maxSteps: 1, maxTimeMs: 60_000 },
    moduleMaxTokens: { analyzer: 24, planner: 32, executor: 24, verifier: 24, generator: 24 },
  });

describe('evaluation with a real GGUF model', () => {
  it('runs the agent on a slice, records every run and scores it, with any judge call recorded on the item run', async () => {
    const benchmark = loadBenchmark('bamboogle');
    const judge = createModelJudge(model, { maxTokens: 48 });
    const evaluation = await runEvaluation({
      evalStore,
      runs,
      benchmark,
      agent: agentFor('bamboogle'),
      judge,
      plannerModel: model.id,
      adapterId: null,
      limit: 2,
    });
    assert.equal(evaluation.status, 'completed');
    assert.equal(evaluation.judgeModel, model.id);
    const items = evalStore.items(evaluation.id);
    assert.deepEqual(
      items.map((item) => item.position),
      [0, 1],
    );
    for (const item of items) {
      const run = runs.getRun(item.runId!)!;
      assert.equal(run.kind, 'eval');
      assert.equal(run.status, 'ended');
      assert.equal(runs.getTask(run.taskId)?.source, 'eval');
      const calls = runs.getModuleCalls(run.id);
      const planner = calls.find((call) => call.module === 'planner');
      assert.ok(planner !== undefined && (planner.responseTokens?.length ?? 0) > 0, 'planner call recorded with its tokens');
      assert.ok(item.reason.length > 0);
      assert.ok(item.tokens > 0 && item.durationMs > 0);
      if (item.method === 'judge') {
        const judged = calls.filter((call) => call.module === 'judge');
        assert.equal(judged.length, 1, 'the judge call is recorded on the item run');
        assert.equal(judged[0]!.meta.reason, item.reason);
      }
    }
  });

  it('resumes after an interruption without scoring any item twice', async () => {
    const benchmark = loadBenchmark('gameof24');
    const controller = new AbortController();
    const first = await runEvaluation({
      evalStore,
      runs,
      benchmark,
      agent: agentFor('gameof24'),
      plannerModel: model.id,
      adapterId: null,
      limit: 3,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'item-scored') controller.abort();
      },
    });
    assert.equal(first.status, 'cancelled');
    assert.deepEqual([...evalStore.scoredPositions(first.id)], [0]);

    const resumed = await runEvaluation({ evalStore, runs, benchmark, agent: agentFor('gameof24'), plannerModel: model.id, adapterId: null });
    assert.equal(resumed.id, first.id, 'the unfinished evaluation was picked up');
    assert.equal(resumed.status, 'completed');
    const items = evalStore.items(first.id);
    assert.deepEqual(
      items.map((item) => item.position),
      [0, 1, 2],
    );
    assert.equal(new Set(items.map((item) => item.runId)).size, 3);
    for (const item of items) assert.equal(item.method, 'gameof24');
    const evalRuns = db
      .prepare(`SELECT COUNT(*) AS n FROM runs WHERE kind = 'eval' AND json_extract(config, '$.evaluationId') = ?`)
      .get(first.id) as { n: number };
    assert.ok(evalRuns.n >= 3 && evalRuns.n <= 4, `3 scored runs plus at most the one cut off (${evalRuns.n})`);
  });

  it('the local judge returns a grammar-constrained verdict whose analysis becomes the stored reason', async () => {
    const judge = createModelJudge(model, { maxTokens: 200 });
    const result = await scoreAnswer(
      { response: '<answer>Madison</answer>', expected: ['james madison'], question: 'Who was president in 1812?' },
      { judge },
    );
    assert.equal(result.method, 'judge');
    assert.equal(typeof result.correct, 'boolean');
    const generation = result.judgeGeneration!;
    assert.ok(generation.responseTokens.length > 0);
    const parsed = generation.parsed as { analysis: string; true_false: boolean };
    assert.equal(result.correct, parsed.true_false);
    assert.equal(
      result.reason,
      parsed.analysis.trim() || (result.correct ? 'the judge found the answers equivalent' : 'the judge found the answers different'),
    );
    assert.match(generation.promptText, /Ground Truth: james madison/);
  });
});
