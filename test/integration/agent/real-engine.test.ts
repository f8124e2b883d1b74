import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { AgentEvent } from '../../../electron/core/agent/agent-events.ts';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import type { LocalModel } from '../../../electron/core/llm/local-model.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';
import { additionTool, echoTool } from '../../unit/agent/agent-fixtures.ts';

let model: LocalModel;
before(async () => {
  const engine = await getEngine({ gpu: false });
  model = await engine.loadModel({ path: testModelPath({ seed: 7 }), contextSize: 4096, threads: 1 });
});
after(async () => {
  await (model as unknown as { dispose?: () => Promise<void> }).dispose?.();
});

// Small caps keep a random-weight model's outputs short; the schemas are bounded to fit them.
const moduleMaxTokens = { analyzer: 96, planner: 128, executor: 96, verifier: 64, generator: 96 };

test('structured profile on a random-weight model: every step parses, a tool is called each step, the run ends with a reason', async () => {
  const runs = new RunStore(openDatabase(path.join(tempDir(), 'inflow.db')));
  const events: AgentEvent[] = [];
  const result = await runAgent({
    question: 'What is 17 + 25?',
    models: { planner: model },
    tools: [additionTool(), echoTool()],
    limits: { maxSteps: 3, maxTimeMs: 240_000 },
    moduleMaxTokens,
    memoryTokenBudget: 600,
    seed: 1,
    store: runs,
    onEvent: (event) => events.push(event),
  });
  assert.ok(['answered', 'step_limit'].includes(result.stopReason), `${result.stopReason}: ${result.error ?? ''}`);
  const plans = events.filter((e): e is Extract<AgentEvent, { type: 'plan' }> => e.type === 'plan');
  assert.ok(plans.length >= 1);
  for (const plan of plans) {
    assert.equal(plan.parsed, true, `step ${plan.step} did not parse`);
    assert.ok(['Addition_Tool', 'Echo_Tool'].includes(plan.toolName!));
  }
  assert.equal(events.filter((e) => e.type === 'tool-call').length, plans.length, 'every step produced a tool call');
  const verifications = events.filter((e) => e.type === 'verification');
  assert.equal(verifications.length, result.stopReason === 'answered' ? plans.length : plans.length - 1);
  assert.equal(typeof result.answer, 'string');

  const calls = runs.getModuleCalls(result.runId).filter((call) => call.module === 'planner');
  assert.equal(calls.length, plans.length);
  for (const call of calls) {
    assert.ok(call.promptTokens!.length > 50);
    assert.ok(call.responseTokens!.length > 0);
    assert.equal(call.responseLogprobs!.length, call.responseTokens!.length);
    assert.ok(call.responseLogprobs!.every((p) => Number.isFinite(p) && p <= 0));
    assert.equal(call.meta.jsonSchema, true);
  }
});

test('agentflow profile on a random-weight model: gibberish is tolerated and the run still ends with a reason', async () => {
  const result = await runAgent({
    question: 'What is 2 + 2?',
    models: { planner: model },
    tools: [additionTool()],
    profile: 'agentflow',
    limits: { maxSteps: 2, maxTimeMs: 240_000 },
    moduleMaxTokens: { analyzer: 24, planner: 32, executor: 32, verifier: 24, generator: 24 },
    seed: 2,
  });
  assert.ok(['answered', 'step_limit'].includes(result.stopReason), `${result.stopReason}: ${result.error ?? ''}`);
  assert.ok(result.steps.length >= 1);
});

test('cancelling a run on the real engine stops the generation in progress', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const started = Date.now();
  const result = await runAgent({
    question: 'Count slowly.',
    models: { planner: model },
    tools: [echoTool()],
    moduleMaxTokens: { analyzer: 4000 },
    signal: controller.signal,
  });
  assert.equal(result.stopReason, 'cancelled');
  assert.ok(Date.now() - started < 20_000);
});
