import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { AgentMemory } from '../../../electron/core/agent/agent-memory.ts';
import { createAgentflowProfile } from '../../../electron/core/agent/profiles/agentflow-profile.ts';
import type { PromptInputs } from '../../../electron/core/agent/profiles/prompt-profile.ts';
import { builtinTools } from '../../../electron/core/tools/builtin-tools.ts';
import { PythonSandbox } from '../../../electron/core/tools/python/python-sandbox.ts';
import { testNetwork } from '../../support/network.ts';

/**
 * The agentflow profile's prompts equal, byte for byte, what the reference's own code (lupantech/AgentFlow at the
 * commit in reference.txt) renders for the same question, query analysis, memory and plan with its default tool
 * set. The expected files were written by scripts/agentflow-golden/generate.py from the reference's Planner,
 * Executor, Verifier, Memory and tools/*\/tool.py; see that script to regenerate them.
 */
const dir = path.join(import.meta.dirname, '../../fixtures/agentflow-golden');
const golden = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
interface GoldenInputs {
  question: string;
  queryAnalysis: string;
  memory: Array<{ toolName: string; subGoal: string; command: string; result: unknown }>;
  plan: { toolName: string; subGoal: string; context: string };
}
const fixture = JSON.parse(golden('inputs.json')) as GoldenInputs;

function goldenInputs(knownFacts: string[] = []): PromptInputs {
  // Inflow's built-in tools with web access on: the reference's five plus Inflow's own web search.
  const { tools } = builtinTools({
    webAccess: true,
    network: testNetwork({ privacy: { networkTools: true, wikipediaOnline: true } }).network,
    sandbox: new PythonSandbox(),
    only: ['generalist', 'python', 'grounded-search', 'web-page', 'wikipedia'],
  });
  const memory = new AgentMemory();
  for (const action of fixture.memory) memory.add(action);
  return {
    question: fixture.question,
    tools,
    absentTools: [{ name: 'Knowledge_Search_Tool', reason: 'no folder is indexed yet' }],
    knownFacts,
    memory,
    memoryChars: 1_000_000,
    queryAnalysis: fixture.queryAnalysis,
    step: fixture.memory.length + 1,
    maxSteps: 10,
  };
}

test("agentflow prompts equal the reference's for a fixed question, tool set and memory", () => {
  const profile = createAgentflowProfile();
  const inputs = goldenInputs();
  assert.deepEqual(inputs.tools.map((tool) => tool.name).sort(), JSON.parse(golden('available_tools.txt').replace(/'/g, '"')));
  const tool = inputs.tools.find((candidate) => candidate.name === fixture.plan.toolName)!;
  const plan = { ...fixture.plan, justification: '', rawToolName: fixture.plan.toolName, parsed: true };
  const requests = {
    analyzer: profile.analyzer({ ...inputs, queryAnalysis: '', memory: new AgentMemory() }),
    planner: profile.planner(inputs),
    executor: profile.executor(inputs, plan, tool),
    verifier: profile.verifier(inputs),
    generator: profile.generator(inputs),
  };
  for (const [name, request] of Object.entries(requests)) {
    assert.equal(request.messages.length, 2, name);
    assert.equal(request.messages[0]!.content, golden('system.txt'), `${name}: system prompt`);
    assert.equal(request.messages[1]!.content, golden(`${name}.txt`), `${name}: prompt`);
    assert.equal(request.maxTokens, 2048, `${name}: the reference's max_tokens`);
  }
});

test('agentflow: facts the user confirmed follow the question and change nothing else; unavailable tools are not mentioned', () => {
  const profile = createAgentflowProfile();
  const facts = ['The user lives in Canberra.', 'Prefer metric units.'];
  const inputs = goldenInputs(facts);
  const withFacts = `${fixture.question}\n\nFacts the user confirmed earlier:\n- ${facts[0]}\n- ${facts[1]}`;
  const requests = { planner: profile.planner(inputs), verifier: profile.verifier(inputs), generator: profile.generator(inputs) };
  for (const [name, request] of Object.entries(requests)) {
    const prompt = request.messages[1]!.content;
    assert.equal(prompt, golden(`${name}.txt`).replace(fixture.question, withFacts), name);
    assert.doesNotMatch(prompt, /Knowledge_Search_Tool|Unavailable/, `${name}: absent tools are not in the prompt`);
  }
});
