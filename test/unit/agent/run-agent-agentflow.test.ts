import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { additionTool, echoTool } from './agent-fixtures.ts';

const nextStep = (tool: string, goal: string) => `**Justification:** it fits.\n**Context:** 17 and 25\n**Sub-Goal:** ${goal}\n**Tool Name:** ${tool}`;

test('the agentflow profile sends the reference prompts and reads free-text outputs', async () => {
  const model = new ScriptedLanguageModel({
    turns: [
      'Concise Summary: add numbers.',
      nextStep('addition tool', 'Add 17 and 25'),
      'Generated Command:\n```python\nexecution = tool.execute(a=17, b=25)\n```',
      'The memory has the sum; we should not stop looking... Actually it is complete.\nConclusion: STOP',
      '**Process Summary:** added.\n**Answer:** <answer>42</answer>',
    ],
  });
  const result = await runAgent({
    question: 'What is 17 + 25?',
    models: { planner: model },
    tools: [echoTool(), additionTool()],
    profile: 'agentflow',
  });
  assert.equal(result.stopReason, 'answered');
  assert.deepEqual(result.steps[0]!.result, [{ sum: 42 }], 'results are the list of per-call results, as the reference stores them');
  assert.equal(result.answer, '**Process Summary:** added.\n**Answer:** <answer>42</answer>');

  const planner = model.requests[1]!;
  assert.equal(planner.messages[0]!.content, 'You are a helpful, creative, and smart assistant.');
  const prompt = planner.messages[1]!.content;
  assert.ok(
    prompt.startsWith(
      '\nTask: Determine the optimal next step to address the query using available tools and previous steps.\n\nContext:\n- **Query:** What is 17 + 25?\n',
    ),
  );
  assert.match(prompt, /- \*\*Available Tools:\*\* \['Addition_Tool', 'Echo_Tool'\]\n/, 'tools sorted, as a Python list');
  assert.match(prompt, /- \*\*Toolbox Metadata:\*\* \{'Addition_Tool': \{'tool_name': 'Addition_Tool', 'tool_description': 'Adds two numbers.'/);
  assert.match(prompt, /'demo_commands': \[\{'command': 'execution = tool.execute\(a=1, b=2\)'/);
  assert.match(prompt, /'input_types': \{'a': 'float - first number', 'b': 'float - second number'\}/, "Python type names, as the reference's cards");
  assert.match(prompt, /'require_llm_engine': False\}/);
  assert.match(prompt, /- \*\*Previous Steps:\*\* \{\}\n/);
  assert.ok(prompt.endsWith('with no extra content.\n                    '));
  assert.equal(planner.jsonSchema, undefined);
  assert.deepEqual(
    planner.sampling,
    { temperature: 0.7, topP: 0.99, topK: 0, frequencyPenalty: 1.2, maxTokens: 2048 },
    "the reference's vLLM sampling: no top-k, penalty 1.2, max_tokens 2048",
  );

  const generator = model.requests[4]!.messages[1]!.content;
  assert.match(
    generator,
    /- \*\*Actions Taken:\*\* \{'Action Step 1': \{'tool_name': 'Addition_Tool', 'sub_goal': 'Add 17 and 25', 'command': 'execution = tool.execute\(a=17, b=25\)', 'result': \[\{'sum': 42\}\]\}\}/,
  );
});

test('agentflow: an unreadable command and an unknown tool go into memory and the run continues', async () => {
  const model = new ScriptedLanguageModel({
    turns: [
      'analysis',
      nextStep('Addition_Tool', 'Add'),
      'I would call the tool with the numbers.',
      'Conclusion: CONTINUE',
      nextStep('Calculator', 'Add'),
      'Conclusion: CONTINUE',
      'No idea which tool.',
      'The answer is unknown.',
    ],
  });
  const result = await runAgent({
    question: 'q',
    models: { planner: model },
    tools: [additionTool()],
    profile: 'agentflow',
    limits: { maxSteps: 3 },
  });
  assert.equal(result.stopReason, 'step_limit');
  assert.equal(result.answer, 'The answer is unknown.');
  assert.match(JSON.stringify(result.steps[0]!.result), /No tool call could be read/);
  assert.equal(result.steps[1]!.toolName, null);
  const thirdPlanner = model.requests[6]!;
  assert.match(thirdPlanner.messages[1]!.content, /'tool_name': 'No matched tool given: Calculator'/);
});

test('agentflow: a verifier text without a conclusion stops when it says "stop" anywhere, as the reference reads it', async () => {
  const model = new ScriptedLanguageModel({
    turns: [
      'analysis',
      '### 1. Justification:\nIt adds.\n\n### 2. Context:\n17 and 25\n\n### 3. Sub-Goal:\nAdd 17 and 25\n\n### 4. Tool Name:\nAddition_Tool',
      'Generated Command:\n```python\nexecution = tool.execute(a=17, b=25)\n```',
      'The sum is known, so we can stop here.',
      'The answer is 42.',
    ],
  });
  const result = await runAgent({
    question: 'What is 17 + 25?',
    models: { planner: model },
    tools: [additionTool()],
    profile: 'agentflow',
    limits: { maxSteps: 5 },
  });
  assert.equal(result.stopReason, 'answered');
  assert.equal(result.steps.length, 1);
  assert.equal(result.steps[0]!.toolName, 'Addition_Tool', 'the "### 4. Tool Name:" heading is read');
  assert.equal(result.steps[0]!.stop, true);
  assert.equal(result.answer, 'The answer is 42.');
});
