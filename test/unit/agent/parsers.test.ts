import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentMemory } from '../../../electron/core/agent/agent-memory.ts';
import { parsePartialJson } from '../../../electron/core/agent/partial-json.ts';
import {
  extractCommandText,
  parseConclusionLikeReference,
  parseConclusionText,
  parseNextStepText,
} from '../../../electron/core/agent/profiles/agentflow-parse.ts';
import { parseToolCommand } from '../../../electron/core/agent/python-call.ts';
import { pythonRepr } from '../../../electron/core/agent/python-repr.ts';

const tools = ['Generalist_Solution_Generator_Tool', 'Python_Code_Generator_Tool', 'Wikipedia_RAG_Search_Tool'];

test('Python repr matches str() of dicts, lists, strings, None and booleans', () => {
  assert.equal(
    pythonRepr({ 'Action Step 1': { tool_name: 'X', result: ['a\nb', null, true, 1.5, 3] } }),
    "{'Action Step 1': {'tool_name': 'X', 'result': ['a\\nb', None, True, 1.5, 3]}}",
  );
  assert.equal(pythonRepr("it's"), '"it\'s"');
  assert.equal(pythonRepr('say "hi" it\'s'), "'say \"hi\" it\\'s'");
  assert.equal(pythonRepr('back\\slash\ttab'), "'back\\\\slash\\ttab'");
  assert.equal(pythonRepr({}), '{}');
});

test('cut-off JSON is repaired: open strings, dangling keys, partial literals, open containers', () => {
  assert.deepEqual(parsePartialJson('{"a": "hel'), { a: 'hel' });
  assert.deepEqual(parsePartialJson('{"a": 1, "b'), { a: 1, b: null });
  assert.deepEqual(parsePartialJson('{"a": [1, 2, tr'), { a: [1, 2] });
  assert.deepEqual(parsePartialJson('noise {"a": {"b": "x\\'), { a: { b: 'x' } });
  assert.deepEqual(parsePartialJson('{"a": "x", "b":'), { a: 'x', b: null });
  assert.equal(parsePartialJson('no json here'), undefined);
});

test('next-step text: the last Context/Sub-Goal/Tool Name sections, markdown, case and spacing tolerated', () => {
  const text = `**Justification:** The tool can compute.\n\n**Context:** numbers 3 and 4\n**Sub-Goal:** Multiply 3 by 4\n**Tool Name:** python code generator tool\n`;
  const parsed = parseNextStepText(text, tools);
  assert.equal(parsed.toolName, 'Python_Code_Generator_Tool');
  assert.equal(parsed.subGoal, 'Multiply 3 by 4');
  assert.equal(parsed.context, 'numbers 3 and 4');
  assert.equal(parsed.justification, 'The tool can compute.');
  const numbered = parseNextStepText('1. Justification: x\n2. context: c\n3. Sub Goal: g\n4. TOOL NAME: `Wikipedia_RAG_Search_Tool`', tools);
  assert.equal(numbered.toolName, 'Wikipedia_RAG_Search_Tool');
  assert.equal(numbered.subGoal, 'g');
  const json = parseNextStepText('{"context": "c", "sub_goal": "g", "tool_name": "Generalist_Solution_Generator_Tool"}', tools);
  assert.equal(json.toolName, 'Generalist_Solution_Generator_Tool');
  const unknown = parseNextStepText('Context: c\nSub-Goal: g\nTool Name: Calculator_Tool', tools);
  assert.equal(unknown.toolName, null);
  assert.equal(unknown.rawToolName, 'Calculator_Tool');
  assert.equal(parseNextStepText('I do not know.', tools).parsed, false);
});

test('next-step text: markdown headings with numbers ("### 4. Tool Name:") are sections too', () => {
  const text =
    '### 1. Justification:\nIt computes.\n\n### 2. Context:\n3 and 4\n\n### 3. Sub-Goal:\nMultiply 3 by 4\n\n### 4. Tool Name:\nPython_Code_Generator_Tool';
  const parsed = parseNextStepText(text, tools);
  assert.equal(parsed.toolName, 'Python_Code_Generator_Tool');
  assert.equal(parsed.subGoal, 'Multiply 3 by 4');
  assert.equal(parsed.context, '3 and 4');
  assert.equal(parsed.justification, 'It computes.');
  assert.equal(parseNextStepText('## 4) **Tool Name:** Wikipedia_RAG_Search_Tool', tools).toolName, 'Wikipedia_RAG_Search_Tool');
});

test('verifier text: the conclusion decides; a stray "stop" in the explanation does not (reference bug)', () => {
  assert.equal(parseConclusionText('We should not stop yet.\nConclusion: CONTINUE').stop, false);
  assert.equal(parseConclusionText('Everything is there.\n**Conclusion:** **STOP**').stop, true);
  assert.equal(parseConclusionText('The bus stop is mentioned but more is needed.').stop, false);
  assert.equal(parseConclusionText('Final: STOP').stop, true);
});

test('verifier text as the reference reads it (agentflow): the last conclusion word, else "stop" anywhere means STOP', () => {
  assert.deepEqual(parseConclusionLikeReference('We should not stop yet.\nConclusion: CONTINUE'), { stop: false, explicit: true });
  assert.deepEqual(
    parseConclusionLikeReference('Everything is there.\n**Conclusion:** **STOP**'),
    { stop: true, explicit: false },
    'the reference\'s pattern does not match this bold form; "stop" is found anyway',
  );
  assert.deepEqual(parseConclusionLikeReference('Everything is there.\n**Conclusion: STOP**'), { stop: true, explicit: true });
  assert.deepEqual(
    parseConclusionLikeReference('The bus stop is mentioned but more is needed.'),
    { stop: true, explicit: false },
    "the reference's fallback",
  );
  assert.deepEqual(parseConclusionLikeReference('More is needed; continue.'), { stop: false, explicit: false });
  assert.deepEqual(
    parseConclusionLikeReference('Conclusion: STOP. In conclusion more work could help.'),
    { stop: true, explicit: false },
    'the last "conclusion" word is "more": fall back to "stop" anywhere',
  );
  assert.deepEqual(parseConclusionLikeReference('Conclusion: CONTINUE. In conclusion more work could help.'), { stop: false, explicit: false });
  assert.deepEqual(
    parseConclusionLikeReference('Conclusion: CONTINUE\nconclusion: ÜBERPRÜFUNG nötig, stop'),
    { stop: true, explicit: false },
    'a non-ASCII word is a word, as in Python',
  );
  assert.deepEqual(parseConclusionLikeReference('{"analysis": "ok", "stop_signal": false}'), { stop: false, explicit: true });
});

test('executor command: the python block after "Generated Command:", else the longest block', () => {
  assert.equal(extractCommandText('Generated Command:\n```python\nexecution = tool.execute(query="x")\n```'), 'execution = tool.execute(query="x")');
  assert.equal(
    extractCommandText('```python\nx=1\n```\n```python\nexecution = tool.execute(query="longer")\n```'),
    'execution = tool.execute(query="longer")',
  );
  assert.equal(extractCommandText('nothing'), undefined);
});

test('Python tool calls are read without running Python: literals, multi-line calls, earlier assignments', () => {
  const parsed = parseToolCommand(
    [
      'q = "What is 2+2?"',
      'execution = tool.execute(query=q)',
      'execution = tool.execute(query=[\'a\', "b"], limit=3, flag=True, extra=None)',
      'execution = tool.execute(',
      '    query="""multi',
      'line""",',
      '    options={"k": (1, 2.5)},',
      ')',
      'execution = tool.execute("positional", r"raw\\n")',
      'print(execution)',
    ].join('\n'),
  );
  assert.deepEqual(
    parsed.calls.map((c) => c.args),
    [
      { query: 'What is 2+2?' },
      { query: ['a', 'b'], limit: 3, flag: true, extra: null },
      { query: 'multi\nline', options: { k: [1, 2.5] } },
      { $0: 'positional', $1: 'raw\\n' },
    ],
  );
  assert.deepEqual(parsed.errors, []);
  const broken = parseToolCommand('execution = tool.execute(query=undefined_name)');
  assert.equal(broken.calls.length, 0);
  assert.match(broken.errors[0]!, /unknown name "undefined_name"/);
});

test('memory renders within its budget, cutting old results first and keeping the newest', () => {
  const memory = new AgentMemory();
  memory.add({ toolName: 'A', subGoal: 'one', command: 'c1', result: 'x'.repeat(5000) });
  memory.add({ toolName: 'B', subGoal: 'two', command: 'c2', result: `newest ${'y'.repeat(300)}` });
  const text = memory.render('python', 1200);
  assert.ok(text.length <= 1200, `${text.length}`);
  assert.match(text, /characters cut/);
  assert.match(text, /'Action Step 2': \{'tool_name': 'B'/);
  assert.match(text, /newest/);
  assert.equal(new AgentMemory().render('python', 100), '{}');
});
