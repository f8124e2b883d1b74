import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import type { AgentEvent } from '../../../electron/core/agent/agent-events.ts';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { McpManager } from '../../../electron/core/mcp/mcp-manager.ts';
import { createTerminalApprover } from '../../../electron/core/mcp/terminal-approver.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { everythingServerEntry, filesystemServerEntry } from '../../support/mcp-servers.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';

const folder = fs.realpathSync(tempDir());
fs.writeFileSync(path.join(folder, 'notes.txt'), 'The meeting is on Tuesday.\n');
const manager = new McpManager({ configFile: path.join(tempDir(), 'mcp.json') });
after(() => manager.closeAll());
manager.config.add('files', { ...filesystemServerEntry(folder), askFirstTools: ['write_file'] });
manager.config.add('everything', everythingServerEntry());
const runs = new RunStore(openDatabase(path.join(tempDir(), 'inflow.db')));

const analysis = {
  json: {
    concise_summary: 'Use the files.',
    required_skills: ['reading'],
    relevant_tools: ['files__read_text_file'],
    additional_considerations: 'none',
  },
};
const plan = (tool: string) => ({
  json: { justification: 'It is the right tool.', context: `folder ${folder}`, sub_goal: `Use ${tool}`, tool_name: tool },
});
const command = (input: Record<string, unknown>) => ({ json: { input } });
const verdict = { json: { analysis: 'checked', conclusion: 'STOP' } };
const final = (answer: string) => ({ json: { process_summary: 'Used an MCP tool.', answer } });

test('the planner chooses an MCP tool, the executor is constrained by its schema, and the call is recorded', async () => {
  const { tools } = await manager.tools();
  const model = new ScriptedLanguageModel({
    turns: [analysis, plan('files__read_text_file'), command({ path: path.join(folder, 'notes.txt') }), verdict, final('Tuesday')],
  });
  const result = await runAgent({ question: 'When is the meeting? See notes.txt.', models: { planner: model }, tools, store: runs });
  assert.equal(result.stopReason, 'answered');
  assert.equal(result.answer, 'Tuesday');
  assert.equal(result.steps[0]?.result, 'The meeting is on Tuesday.\n');

  const planner = model.requests[1]!.jsonSchema as { properties: { tool_name: { enum: string[] } } };
  assert.ok(planner.properties.tool_name.enum.includes('files__read_text_file') && planner.properties.tool_name.enum.includes('everything__get_sum'));
  const executor = model.requests[2]!.jsonSchema as { properties: { input: { properties: Record<string, { type: string }>; required: string[] } } };
  assert.equal(executor.properties.input.properties.path?.type, 'string');
  assert.deepEqual(executor.properties.input.required, ['path']);

  const call = runs.getModuleCalls(result.runId).find((row) => row.module === 'tool')!;
  assert.equal(JSON.parse(call.responseText), 'The meeting is on Tuesday.\n');
  assert.deepEqual(JSON.parse(call.promptText), { path: path.join(folder, 'notes.txt') });
  assert.equal(runs.getSteps(result.runId)[0]?.toolName, 'files__read_text_file');
});

test('an "ask first" tool pauses the run for the user: denied calls do not run and are remembered as denied', async () => {
  const { tools } = await manager.tools();
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
  });
  const approveToolCall = createTerminalApprover({ input, output });
  const target = path.join(folder, 'todo.txt');
  const script = () =>
    new ScriptedLanguageModel({
      turns: [analysis, plan('files__write_file'), command({ path: target, content: 'buy milk' }), verdict, final('done')],
    });

  input.write('n\n');
  const denied = await runAgent({ question: 'Write my todo list.', models: { planner: script() }, tools, store: runs, approveToolCall });
  assert.equal(fs.existsSync(target), false, 'the denied call did not run');
  assert.deepEqual(denied.steps[0]?.result, { denied: true, message: 'The user denied this call of files__write_file.' });
  const record = runs.getModuleCalls(denied.runId).find((row) => row.module === 'tool')!;
  assert.equal(JSON.parse(record.responseText).denied, true);
  assert.match(shown, /files__write_file \(mcp:files\) with:[\s\S]*"content": "buy milk"[\s\S]*Allow\? \[y\/N\] Denied\./);

  input.write('y\n');
  const events: AgentEvent[] = [];
  const allowed = await runAgent({
    question: 'Write my todo list.',
    models: { planner: script() },
    tools,
    approveToolCall,
    onEvent: (event) => events.push(event),
  });
  assert.equal(allowed.stopReason, 'answered');
  assert.equal(fs.readFileSync(target, 'utf8'), 'buy milk');
  assert.ok(events.some((event) => event.type === 'tool-result' && event.ok));
});

test('a server killed during a run gives the step a clear error, the run goes on, and the server comes back', async () => {
  const { tools } = await manager.tools();
  const pid = manager.connection(manager.config.get('everything')).pid!;
  const model = new ScriptedLanguageModel({
    turns: [
      analysis,
      plan('everything__trigger_long_running_operation'),
      () => {
        setTimeout(() => process.kill(pid, 'SIGKILL'), 300);
        return command({ duration: 5, steps: 5 });
      },
      { json: { analysis: 'the server failed', conclusion: 'CONTINUE' } },
      plan('everything__get_sum'),
      command({ a: 20, b: 22 }),
      verdict,
      final('42'),
    ],
  });
  const result = await runAgent({ question: 'Run the operation, then add 20 and 22.', models: { planner: model }, tools, store: runs });
  assert.equal(result.stopReason, 'answered');
  assert.match(
    String(result.steps[0]?.result),
    /^Error: MCP server "everything" stopped while running "trigger-long-running-operation"; it will be restarted on the next call\./,
  );
  assert.equal(result.steps[1]?.result, 'The sum of 20 and 22 is 42.');
  const failed = runs.getModuleCalls(result.runId).find((row) => row.module === 'tool')!;
  assert.equal((failed.meta as { error?: { code: string } }).error?.code, 'MCP_SERVER_CRASHED');
});
