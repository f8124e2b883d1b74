import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { AgentEvent } from '../../../electron/core/agent/agent-events.ts';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { additionTool, analysis, command, echoTool, final, plan, verdict } from './agent-fixtures.ts';

function store(): RunStore {
  return new RunStore(openDatabase(path.join(tempDir(), 'inflow.db')));
}

test('a structured run plans, calls the tool, verifies, answers, and records every module call', async () => {
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 17, b: 25 }), verdict('STOP'), final('42')] });
  const runs = store();
  const events: AgentEvent[] = [];
  const result = await runAgent({
    question: 'What is 17 + 25?',
    models: { planner: model },
    tools: [additionTool()],
    store: runs,
    onEvent: (e) => events.push(e),
  });

  assert.equal(result.stopReason, 'answered');
  assert.equal(result.answer, '42');
  assert.deepEqual(result.steps[0]?.result, { sum: 42 });
  assert.deepEqual(
    events.map((e) => e.type),
    ['run-start', 'analysis', 'step-start', 'plan', 'tool-call', 'tool-result', 'verification', 'answer-delta', 'run-end'],
  );
  assert.equal(
    events
      .filter((e) => e.type === 'answer-delta')
      .map((e) => (e as { text: string }).text)
      .join(''),
    '42',
  );

  const run = runs.getRun(result.runId)!;
  assert.equal(run.stopReason, 'answered');
  assert.equal(run.answer, '42');
  assert.equal(run.profile, 'structured');
  assert.equal(run.totalTokens, result.usage.totalTokens);
  const calls = runs.getModuleCalls(result.runId);
  assert.deepEqual(
    calls.map((c) => c.module),
    ['analyzer', 'planner', 'executor', 'tool', 'verifier', 'generator'],
  );
  const planner = calls.find((c) => c.module === 'planner')!;
  assert.ok(planner.promptTokens!.length > 10);
  assert.equal(planner.responseTokens!.length, planner.responseLogprobs!.length);
  assert.ok(planner.responseLogprobs!.every((p) => p < 0));
  assert.equal(planner.stepIdx, 1);
  const steps = runs.getSteps(result.runId);
  assert.equal(steps[0]?.toolName, 'Addition_Tool');
  assert.deepEqual(steps[0]?.result, { sum: 42 });
  assert.deepEqual(steps[0]?.verification, { stop: true, analysis: 'checked', parsed: true });
});

test('the planner is constrained to an enum of the enabled tools and samples at temperature 0.7; fixed modules are greedy', async () => {
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('STOP'), final('3')] });
  await runAgent({ question: 'What is 1 + 2?', models: { planner: model }, tools: [additionTool()] });
  const [analyzer, planner, executor] = model.requests;
  const schema = planner!.jsonSchema as { properties: { tool_name: { enum: string[] } } };
  assert.deepEqual(schema.properties.tool_name.enum, ['Addition_Tool']);
  assert.equal(planner!.sampling?.temperature, 0.7);
  assert.equal(planner!.sampling?.topP, 0.99);
  assert.equal(analyzer!.sampling?.temperature, 0);
  const input = (executor!.jsonSchema as { properties: { input: { properties: Record<string, { type: string }> } } }).properties.input;
  assert.deepEqual(Object.keys(input.properties), ['a', 'b']);
  assert.equal(input.properties.a!.type, 'number');
});

test('the step limit ends the loop with step_limit and still writes an answer', async () => {
  const model = new ScriptedLanguageModel({
    turns: [analysis, plan(), command({ a: 1, b: 1 }), verdict('CONTINUE'), plan(), command({ a: 2, b: 2 }), final('4')],
  });
  const result = await runAgent({ question: 'Keep adding', models: { planner: model }, tools: [additionTool()], limits: { maxSteps: 2 } });
  assert.equal(result.stopReason, 'step_limit');
  assert.equal(result.steps.length, 2);
  assert.equal(result.answer, '4');
  assert.equal(model.remaining, 0, 'the verifier is not asked after the last allowed step');
});

test("memory is fresh for every run: a second run does not see the first run's steps", async () => {
  const first = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 5, b: 6 }), verdict('STOP'), final('11')] });
  await runAgent({ question: 'What is 5 + 6?', models: { planner: first }, tools: [additionTool()] });
  const second = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('STOP'), final('3')] });
  await runAgent({ question: 'What is 1 + 2?', models: { planner: second }, tools: [additionTool()] });
  const plannerPrompt = second.requests[1]!.messages.at(-1)!.content;
  assert.match(plannerPrompt, /\(none yet\)/);
  assert.doesNotMatch(plannerPrompt, /11/);
});

test('the planner is told why absent tools are absent, and sees confirmed facts', async () => {
  const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('STOP'), final('3')] });
  await runAgent({
    question: 'q',
    models: { planner: model },
    tools: [additionTool()],
    absentTools: [{ name: 'Web_Search_Tool', reason: 'web access is off (privacy setting)' }],
    knownFacts: ['The user lives in Lyon.'],
  });
  const plannerPrompt = model.requests[1]!.messages.at(-1)!.content;
  assert.match(plannerPrompt, /Unavailable tools \(do not choose them\):\n- Web_Search_Tool: web access is off \(privacy setting\)/);
  assert.match(plannerPrompt, /Facts the user confirmed earlier:\n- The user lives in Lyon\./);
});

test('a huge tool result is cut in memory so the next prompts stay within the memory budget', async () => {
  const flood = additionTool({ execute: async () => 'x'.repeat(200_000), maxOutputChars: 300_000 });
  const model = new ScriptedLanguageModel({
    turns: [analysis, plan(), command({ a: 1, b: 2 }), verdict('CONTINUE'), plan(), command({ a: 1, b: 2 }), verdict('STOP'), final('ok')],
  });
  await runAgent({ question: 'q', models: { planner: model }, tools: [flood], memoryTokenBudget: 1000 });
  const secondPlanner = model.requests[4]!.messages.at(-1)!.content;
  assert.ok(secondPlanner.length < 8000, `prompt has ${secondPlanner.length} characters`);
  assert.match(secondPlanner, /characters cut/);
});

test('a demonstration pins the planner to the given tool at each step, with the prompt unchanged; later steps choose freely', async () => {
  const turns = [analysis, plan('Echo_Tool'), command({ query: 'x' }), verdict('CONTINUE'), plan(), command({ a: 1, b: 2 }), verdict('CONTINUE')];
  const pinned = new ScriptedLanguageModel({ turns: [...turns, plan(), command({ a: 2, b: 2 }), final('4')] });
  const free = new ScriptedLanguageModel({ turns: [...turns, plan(), command({ a: 2, b: 2 }), final('4')] });
  const runs = store();
  const options = { question: 'What is 2 + 2?', tools: [additionTool(), echoTool()], limits: { maxSteps: 3 }, store: runs };
  const result = await runAgent({ ...options, models: { planner: pinned }, pinnedTools: ['Echo_Tool', 'Addition_Tool'] });
  await runAgent({ ...options, models: { planner: free } });
  const plannerRequests = (model: ScriptedLanguageModel) => model.requests.filter((r) => JSON.stringify(r.jsonSchema ?? {}).includes('tool_name'));
  const enums = plannerRequests(pinned).map((r) => (r.jsonSchema as { properties: { tool_name: { enum: string[] } } }).properties.tool_name.enum);
  assert.deepEqual(enums, [['Echo_Tool'], ['Addition_Tool'], ['Addition_Tool', 'Echo_Tool']]);
  assert.deepEqual(
    plannerRequests(pinned).map((r) => r.messages),
    plannerRequests(free).map((r) => r.messages),
    'the planner sees the same prompt, every tool card included',
  );
  assert.deepEqual(
    result.steps.map((s) => s.toolName),
    ['Echo_Tool', 'Addition_Tool', 'Addition_Tool'],
  );
});

test('a demonstration naming a tool the run does not have, or on the agentflow profile, is refused before any model call', async () => {
  const model = new ScriptedLanguageModel({ turns: [] });
  await assert.rejects(
    runAgent({ question: 'q', models: { planner: model }, tools: [additionTool()], pinnedTools: ['Addition_Tool', 'Calculator'] }),
    (error: Error & { code?: string }) =>
      error.code === 'UNKNOWN_TOOL' && /"Calculator" is not one of this run's tools \(Addition_Tool\)/.test(error.message),
  );
  await assert.rejects(
    runAgent({ question: 'q', models: { planner: model }, tools: [additionTool()], profile: 'agentflow', pinnedTools: ['Addition_Tool'] }),
    (error: Error & { code?: string }) => error.code === 'DEMONSTRATION_INVALID',
  );
  assert.equal(model.requests.length, 0);
});

test('an answer whose JSON names half a surrogate pair is shown, streamed and recorded alike; an escaped pair split across chunks streams whole', async () => {
  const answerOf = async (reply: string | { json: unknown }) => {
    const model = new ScriptedLanguageModel({ turns: [analysis, plan(), command({ a: 2, b: 3 }), verdict('STOP'), reply] });
    const runs = store();
    const deltas: string[] = [];
    const result = await runAgent({
      question: 'What is 2 + 3?',
      models: { planner: model },
      tools: [additionTool()],
      store: runs,
      onEvent: (e) => {
        if (e.type === 'answer-delta') deltas.push(e.text);
      },
    });
    // what the caller got, what it saw streamed and what was stored are the same text
    assert.equal(deltas.join(''), result.answer);
    assert.equal(runs.getRun(result.runId)!.answer, result.answer);
    return result.answer;
  };
  // a random model's JSON can carry an escape such as \udeae: JSON.parse keeps the lone half, SQLite would store U+FFFD
  assert.equal(await answerOf(final('5 \udeae x')), '5 \ufffd x');
  assert.equal(await answerOf(final('\ud83d')), '\ufffd');
  // \ud83d and \ude00 arrive in different chunks: the first half is held back until the second completes the pair
  assert.equal(await answerOf('{"process_summary":"s","answer":"ok \\ud83d\\ude00 5"}'), 'ok \u{1F600} 5');
});
