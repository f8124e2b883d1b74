import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { McpManager } from '../../../electron/core/mcp/mcp-manager.ts';
import { runTool } from '../../../electron/core/tools/run-tool.ts';
import type { Tool } from '../../../electron/core/tools/tool.ts';
import { everythingServerEntry, filesystemServerEntry, startEverythingHttpServer } from '../../support/mcp-servers.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dataDir = tempDir();
const allowed = fs.realpathSync(tempDir());
const outside = tempDir();
fs.writeFileSync(path.join(allowed, 'notes.txt'), 'the answer is 42\n');
fs.writeFileSync(path.join(outside, 'secret.txt'), 'do not read');
const manager = new McpManager({ configFile: path.join(dataDir, 'mcp.json') });
after(() => manager.closeAll());
const signal = new AbortController().signal;

function byName(tools: readonly Tool[], name: string): Tool {
  const tool = tools.find((candidate) => candidate.name === name);
  assert.ok(tool, `${name} in ${tools.map((candidate) => candidate.name).join(', ')}`);
  return tool;
}

test("the filesystem and everything servers' tools become tool cards with their schemas, settings and names", async () => {
  manager.config.add('files', { ...filesystemServerEntry(allowed), disabledTools: ['move_file'], askFirstTools: ['write_file'] });
  manager.config.add('everything', {
    ...everythingServerEntry(),
    env: { INFLOW_TEST_VALUE: 'from-config' },
    maxOutputChars: 2000,
    timeoutMs: 20_000,
  });
  const { tools, problems } = await manager.tools({ signal, reserved: ['Python_Code_Generator_Tool'] });
  assert.deepEqual(problems, []);
  const names = tools.map((tool) => tool.name);
  assert.ok(names.includes('files__read_text_file') && names.includes('everything__get_sum') && names.includes('everything__echo'), names.join(', '));
  assert.ok(!names.includes('files__move_file'), 'a disabled tool is not offered');
  assert.equal(new Set(names).size, names.length);

  const read = byName(tools, 'files__read_text_file');
  assert.equal(read.source, 'mcp:files');
  assert.match(read.description, /contents of a file/);
  assert.deepEqual(read.inputSchema.required, ['path']);
  assert.equal(read.requiresApproval, false);
  assert.equal(byName(tools, 'files__write_file').requiresApproval, true);
  assert.match(byName(tools, 'files__write_file').limitations.join(' '), /change or delete data/);
  const sum = byName(tools, 'everything__get_sum');
  assert.deepEqual(sum.inputSchema, {
    type: 'object',
    properties: { a: { type: 'number', description: 'First number' }, b: { type: 'number', description: 'Second number' } },
    required: ['a', 'b'],
  });
  assert.equal(sum.maxOutputChars, 2000);
});

test("calls go to the server through the agent's tool path; inputs are checked against the server's schema", async () => {
  const { tools } = await manager.tools({ signal });
  const read = await runTool(byName(tools, 'files__read_text_file'), { path: path.join(allowed, 'notes.txt') }, { signal });
  assert.deepEqual(read.ok && read.output, 'the answer is 42\n');
  const sum = await runTool(byName(tools, 'everything__get_sum'), { a: 19, b: 23 }, { signal });
  assert.equal(sum.ok && sum.output, 'The sum of 19 and 23 is 42.');
  const env = await runTool(byName(tools, 'everything__get_env'), {}, { signal });
  assert.match(String(env.ok && env.output), /"INFLOW_TEST_VALUE": "from-config"/, 'the configured env reaches the server');

  const invalid = await runTool(byName(tools, 'everything__get_sum'), { a: 'nineteen' }, { signal });
  assert.equal(!invalid.ok && invalid.error.code, 'TOOL_INPUT_INVALID');
  assert.match(!invalid.ok ? invalid.error.message : '', /everything__get_sum is invalid: .*'b'/);
});

test('an error from the server and an oversized result give the run clear tool results', async () => {
  const { tools } = await manager.tools({ signal });
  const denied = await runTool(byName(tools, 'files__read_text_file'), { path: path.join(outside, 'secret.txt') }, { signal });
  assert.equal(!denied.ok && denied.error.code, 'MCP_TOOL_ERROR');
  assert.match(!denied.ok ? denied.error.message : '', /"read_text_file" of server "files" returned an error: .*[Aa]ccess denied/);

  const big = await runTool(byName(tools, 'everything__echo'), { message: 'x'.repeat(50_000) }, { signal });
  assert.ok(big.ok);
  const text = String(big.output);
  assert.ok(text.length <= 2000, `cut to the cap (${text.length})`);
  assert.match(text, /output cut: 50006 characters in all, limit 2000/);
});

test('a streamable HTTP server (the everything server on 127.0.0.1) works like a stdio one, and is reconnected after it went away', async () => {
  const http = await startEverythingHttpServer();
  manager.config.add('remote', { type: 'http', url: http.url, headers: { 'X-Inflow-Test': '1' } });
  const listed = await manager.listServerTools('remote', { signal });
  assert.ok(listed.some((tool) => tool.name === 'remote__echo' && tool.tool === 'echo' && tool.enabled));
  const { tools } = await manager.tools({ signal });
  const echo = await runTool(byName(tools, 'remote__echo'), { message: 'over http' }, { signal });
  assert.equal(echo.ok && echo.output, 'Echo: over http');

  const pending = runTool(byName(tools, 'remote__trigger_long_running_operation'), { duration: 20, steps: 4 }, { signal });
  setTimeout(() => http.stop(), 300);
  const lost = await pending;
  assert.equal(!lost.ok && lost.error.code, 'MCP_SERVER_CRASHED');
  assert.match(!lost.ok ? lost.error.message : '', /MCP server "remote" stopped while running .*the HTTP server stopped answering/);
  const second = await startEverythingHttpServer({ port: http.port });
  const back = await runTool(byName(tools, 'remote__echo'), { message: 'reconnected' }, { signal });
  assert.equal(back.ok && back.output, 'Echo: reconnected', 'a new session on the next use');

  second.stop();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const gone = await runTool(byName(tools, 'remote__echo'), { message: 'anyone?' }, { signal });
  assert.equal(!gone.ok && gone.error.code, 'MCP_SERVER_UNREACHABLE');
  assert.match(
    !gone.ok ? gone.error.message : '',
    /Could not reach MCP server "remote" at http:\/\/127\.0\.0\.1:\d+\/mcp to run "echo": connection refused/,
  );
  await startEverythingHttpServer({ port: http.port });
  const third = await runTool(byName(tools, 'remote__echo'), { message: 'again' }, { signal });
  assert.equal(third.ok && third.output, 'Echo: again');
  manager.config.remove('remote');
});

test('a disabled server is not started and its tools are not offered; status shows what runs', async () => {
  const status = manager.status();
  assert.deepEqual(
    status.servers.map((server) => [server.name, server.transport, server.running]),
    [
      ['files', 'stdio', true],
      ['everything', 'stdio', true],
    ],
  );
  assert.deepEqual(status.servers[0]?.askFirstTools, ['write_file']);
  manager.config.setEnabled('everything', false);
  const { tools } = await manager.tools({ signal });
  assert.ok(tools.every((tool) => tool.source !== 'mcp:everything'));
  manager.config.setEnabled('everything', true);
  await assert.rejects(manager.listServerTools('nope'), (error: unknown) => InflowError.isInstance(error) && error.code === 'MCP_SERVER_NOT_FOUND');
});

test('a config file that is not JSON leaves the run without MCP tools and says why', async () => {
  const broken = new McpManager({ configFile: path.join(tempDir(), 'mcp.json') });
  fs.writeFileSync(broken.config.file, '{"mcpServers": {');
  const { tools, problems } = await broken.tools({ signal });
  assert.deepEqual(tools, []);
  assert.equal(problems[0]?.server, 'mcp.json');
  assert.match(problems[0]?.error.message ?? '', /is not valid JSON/);
});
