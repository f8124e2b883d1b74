import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import type { AgentEvent } from '../../../electron/core/agent/agent-events.ts';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { additionTool, analysis, command, echoTool, final, plan, verdict } from './agent-fixtures.ts';

test('a tool that throws puts the error into memory and the run goes on', async () => {
  const failing = additionTool({
    execute: async () => {
      throw new Error('disk on fire');
    },
  });
  const model = new ScriptedLanguageModel({
    turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('CONTINUE'), plan(), command({ a: 1, b: 2 }), verdict('STOP'), final('unknown')],
  });
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [failing] });
  assert.equal(result.stopReason, 'answered');
  assert.equal(result.steps.length, 2);
  assert.match(String(result.steps[0]!.result), /Error: disk on fire/);
  assert.match(model.requests[4]!.messages.at(-1)!.content, /disk on fire/, 'the next planner prompt shows the error');
});

test('a tool that hangs is stopped at its timeout and the run goes on', async () => {
  const hanging = additionTool({
    timeoutMs: 50,
    execute: (_input, context) => new Promise((resolve) => context.signal.addEventListener('abort', () => resolve('late'))),
  });
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('STOP'), final('none')] });
  const events: AgentEvent[] = [];
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [hanging], onEvent: (e) => events.push(e) });
  assert.equal(result.stopReason, 'answered');
  assert.match(String(result.steps[0]!.result), /did not finish within/);
  const toolResult = events.find((e) => e.type === 'tool-result') as Extract<AgentEvent, { type: 'tool-result' }>;
  assert.equal(toolResult.error?.code, 'TOOL_TIMEOUT');
});

test('invalid tool input from the executor becomes an error naming the field', async () => {
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 'seventeen', b: 2 }), verdict('STOP'), final('?')] });
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [additionTool()] });
  assert.match(String(result.steps[0]!.result), /Invalid input for Addition_Tool: a:/);
});

test('a planner output naming no enabled tool is recorded as "tool not found" and the loop goes on', async () => {
  const model = new ScriptedLanguageModel({
    turns: [analysis, plan('Teleport_Tool'), verdict('CONTINUE'), plan(), command({ a: 2, b: 2 }), verdict('STOP'), final('4')],
  });
  const events: AgentEvent[] = [];
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [additionTool()], onEvent: (e) => events.push(e) });
  assert.equal(result.answer, '4');
  assert.equal(result.steps[0]!.toolName, null);
  assert.equal(result.steps[0]!.result, 'No result was generated because the tool was not found.');
  const firstPlan = events.find((e) => e.type === 'plan') as Extract<AgentEvent, { type: 'plan' }>;
  assert.equal(firstPlan.parsed, false);
  assert.equal(firstPlan.rawToolName, 'Teleport_Tool');
});

test('a model output cut off by the token cap is repaired and still read', async () => {
  const long = { json: { tool_name: 'Addition_Tool', sub_goal: 'add', context: 'a=1', justification: 'because '.repeat(200) } };
  const model = new ScriptedLanguageModel({ turns: [analysis, long, command({ a: 1, b: 1 }), verdict('STOP'), final('2')] });
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [additionTool()], moduleMaxTokens: { planner: 40 } });
  assert.equal(result.stopReason, 'answered');
  assert.equal(result.steps[0]!.toolName, 'Addition_Tool');
  assert.deepEqual(result.steps[0]!.result, { sum: 2 });
});

test('a model error ends the run with stop reason "error", recorded in the store', async () => {
  const runs = new RunStore(openDatabase(path.join(tempDir(), 'inflow.db')));
  const model = new ScriptedLanguageModel({ turns: [analysis, new InflowError('MODEL_CRASHED', 'The model process died.')] });
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [additionTool()], store: runs });
  assert.equal(result.stopReason, 'error');
  assert.match(result.error!, /model process died/);
  assert.equal(runs.getRun(result.runId)!.stopReason, 'error');
  assert.match(runs.getRun(result.runId)!.error!, /model process died/);
});

test('cancelling during a tool call ends the run as cancelled without an answer', async () => {
  const controller = new AbortController();
  const slow = additionTool({
    execute: (_input, context) =>
      new Promise((_resolve, reject) => {
        setTimeout(() => controller.abort(), 10);
        context.signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
  });
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 })] });
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [slow], signal: controller.signal });
  assert.equal(result.stopReason, 'cancelled');
  assert.equal(result.answer, null);
});

test('the time limit aborts a step in progress, and the answer is still written in the grace time', async () => {
  const slow = additionTool({
    timeoutMs: 60_000,
    execute: (_input, context) => new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted')))),
  });
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 }), final('partial')] });
  const started = Date.now();
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [slow], limits: { maxTimeMs: 1_000, answerGraceMs: 5_000 } });
  assert.equal(result.stopReason, 'time_limit', result.error);
  assert.equal(result.answer, 'partial');
  assert.ok(Date.now() - started < 5_000);
});

test('the token budget caps each call and ends the loop with token_limit', async () => {
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('CONTINUE'), plan(), final('3')] });
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [additionTool()], limits: { maxTokens: 900 } });
  assert.equal(result.stopReason, 'token_limit');
  for (const request of model.requests.slice(0, -1)) assert.ok(request.sampling!.maxTokens! <= 900);
});

test('a tool that needs approval: a denied call goes into memory as denied; an approved one runs', async () => {
  const guarded = echoTool({ requiresApproval: true });
  const echoPlan = { json: { justification: 'j', context: 'c', sub_goal: 's', tool_name: 'Echo_Tool' } };
  const model = new ScriptedLanguageModel({
    turns: [
      analysis,
      echoPlan,
      command({ query: 'rm -rf' }),
      verdict('CONTINUE'),
      echoPlan,
      command({ query: 'hello' }),
      verdict('STOP'),
      final('done'),
    ],
  });
  const asked: string[] = [];
  const result = await runAgent({
    question: 'q',
    models: { planner: model },
    tools: [guarded],
    approveToolCall: async (call) => {
      asked.push(String(call.input.query));
      return call.input.query === 'hello';
    },
  });
  assert.deepEqual(asked, ['rm -rf', 'hello']);
  assert.deepEqual(result.steps[0]!.result, { denied: true, message: 'The user denied this call of Echo_Tool.' });
  assert.equal(result.steps[1]!.result, 'hello');
});

test('a listener that throws does not break the run', async () => {
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('STOP'), final('3')] });
  const result = await runAgent({
    question: 'q',
    models: { planner: model },
    tools: [additionTool()],
    onEvent: () => {
      throw new Error('UI crashed');
    },
  });
  assert.equal(result.answer, '3');
});

test('bad options are refused with a clear error', async () => {
  const model = new ScriptedLanguageModel({ turns: [] });
  await assert.rejects(runAgent({ question: '  ', models: { planner: model }, tools: [] }), /question is empty/);
  await assert.rejects(
    runAgent({ question: 'q', models: { planner: model }, tools: [], profile: 'fancy' as never }),
    /Unknown prompt profile "fancy"/,
  );
  await assert.rejects(
    runAgent({ question: 'q', models: { planner: model }, tools: [additionTool(), additionTool()] }),
    /Two tools are named "Addition_Tool"/,
  );
});

test("a tool's own model calls count towards the run's tokens and are recorded", async () => {
  const runs = new RunStore(openDatabase(path.join(tempDir(), 'inflow.db')));
  const asking = echoTool({
    execute: async (input, context) =>
      (await context.model!.generate({ messages: [{ role: 'user', content: String(input.query) }], sampling: { maxTokens: 50 } })).text,
  });
  const echoPlan = { json: { justification: 'j', tool_name: 'Echo_Tool', sub_goal: 's', context: 'c' } };
  const model = new ScriptedLanguageModel({
    turns: [analysis, echoPlan, command({ query: 'hello there' }), 'inner answer', verdict('STOP'), final('done')],
  });
  const result = await runAgent({ question: 'q', models: { planner: model }, tools: [asking], store: runs });
  assert.equal(result.steps[0]!.result, 'inner answer');
  assert.equal(result.usage.modelCalls, 6, "analyzer, planner, executor, the tool's call, verifier, generator");
  const inner = runs.getModuleCalls(result.runId).filter((call) => call.module === 'tool' && call.meta.inner === true);
  assert.equal(inner.length, 1);
  assert.equal(inner[0]!.responseText, 'inner answer');
});
