import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { McpManager } from '../../../electron/core/mcp/mcp-manager.ts';
import { descendantPids, isProcessAlive } from '../../../electron/core/mcp/process-tree.ts';
import { runTool } from '../../../electron/core/tools/run-tool.ts';
import type { Tool } from '../../../electron/core/tools/tool.ts';
import { everythingServerEntry, filesystemServerEntry } from '../../support/mcp-servers.ts';
import { tempDir } from '../../support/temp-dir.ts';

const signal = new AbortController().signal;

function newManager(): McpManager {
  const manager = new McpManager({ configFile: path.join(tempDir(), 'mcp.json'), connectTimeoutMs: 10_000 });
  after(() => manager.closeAll());
  return manager;
}

function byName(tools: readonly Tool[], name: string): Tool {
  const tool = tools.find((candidate) => candidate.name === name);
  assert.ok(tool, name);
  return tool;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100 && !condition(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), what);
}

test('a server killed mid-call gives a clear result, and the next call restarts it', async () => {
  const manager = newManager();
  manager.config.add('everything', everythingServerEntry());
  const { tools } = await manager.tools({ signal });
  const [first] = manager.runningPids();
  assert.ok(first !== undefined);
  const pending = runTool(byName(tools, 'everything__trigger_long_running_operation'), { duration: 5, steps: 5 }, { signal });
  setTimeout(() => process.kill(first, 'SIGKILL'), 300);
  const crashed = await pending;
  assert.equal(!crashed.ok && crashed.error.code, 'MCP_SERVER_CRASHED');
  assert.match(
    !crashed.ok ? crashed.error.message : '',
    /MCP server "everything" stopped while running "trigger-long-running-operation"; it will be restarted/,
  );
  const again = await runTool(byName(tools, 'everything__echo'), { message: 'back' }, { signal });
  assert.equal(again.ok && again.output, 'Echo: back');
  const [second] = manager.runningPids();
  assert.ok(second !== undefined && second !== first, 'a new process');
});

test('a call that hangs past the timeout is cut off with a clear result and the server is restarted', async () => {
  const manager = newManager();
  manager.config.add('slow', { ...everythingServerEntry(), timeoutMs: 700 });
  const { tools } = await manager.tools({ signal });
  const [hung] = manager.runningPids();
  const result = await runTool(byName(tools, 'slow__trigger_long_running_operation'), { duration: 30, steps: 2 }, { signal });
  assert.equal(!result.ok && result.error.code, 'MCP_TOOL_TIMEOUT');
  assert.match(!result.ok ? result.error.message : '', /did not answer within 1 s; .* restarted on its next use/);
  await waitFor(() => !isProcessAlive(hung!), 'the hung server process is gone');
  const next = await runTool(byName(tools, 'slow__get_sum'), { a: 1, b: 1 }, { signal });
  assert.equal(next.ok && next.output, 'The sum of 1 and 1 is 2.');
});

test('a server that fails to start is reported, its last known tools give the run a clear result, others still work', async () => {
  const manager = newManager();
  const folder = tempDir();
  manager.config.add('files', filesystemServerEntry(folder));
  manager.config.add('everything', everythingServerEntry());
  const before = await manager.tools({ signal });
  assert.ok(before.tools.some((tool) => tool.name === 'files__list_directory'));
  await manager.closeAll();
  fs.rmSync(folder, { recursive: true });

  const { tools, problems } = await manager.tools({ signal });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.server, 'files');
  assert.equal(problems[0]!.fromCache, true);
  assert.equal(problems[0]!.error.code, 'MCP_SERVER_START_FAILED');
  assert.match(problems[0]!.error.message, /MCP server "files" .* exited while starting/);
  assert.match(problems[0]!.error.hint ?? '', /None of the specified directories are accessible/);
  const call = await runTool(byName(tools, 'files__list_directory'), { path: folder }, { signal });
  assert.equal(!call.ok && call.error.code, 'MCP_SERVER_START_FAILED');
  const sum = await runTool(byName(tools, 'everything__get_sum'), { a: 2, b: 3 }, { signal });
  assert.equal(sum.ok && sum.output, 'The sum of 2 and 3 is 5.');

  manager.config.add('missing', { command: 'inflow-no-such-mcp-server' });
  const listed = await manager.tools({ signal });
  const missing = listed.problems.find((problem) => problem.server === 'missing');
  assert.match(missing?.error.message ?? '', /the command "inflow-no-such-mcp-server" was not found/);
});

test('closeAll stops every server, including one started through a wrapper shell', async () => {
  const manager = newManager();
  const server = everythingServerEntry();
  manager.config.add('plain', server);
  manager.config.add('wrapped', { command: '/bin/sh', args: ['-c', `"${server.command}" "${server.args[0]}" stdio; echo done >&2`] });
  await manager.tools({ signal });
  const pids = manager.runningPids().flatMap((pid) => [pid, ...descendantPids(pid)]);
  assert.ok(pids.length >= 3, `a shell, its server and the plain server: ${pids.join(', ')}`);
  await manager.closeAll();
  await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), `all of ${pids.join(', ')} ended`);
});

test('servers do not outlive a process that exits without closing them', async () => {
  // A wrapper that would outlive its server by 30 s: only the exit hook ends it in time.
  const server = filesystemServerEntry(tempDir());
  const wrapped = { command: '/bin/sh', args: ['-c', `"${server.command}" "${server.args[0]}" "${server.args[1]}"; sleep 30`] };
  const script = `
    import { McpManager } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../electron/core/mcp/mcp-manager.ts'))};
    import { descendantPids } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../electron/core/mcp/process-tree.ts'))};
    const manager = new McpManager({ configFile: process.argv[1] });
    manager.config.add('a', ${JSON.stringify(everythingServerEntry())});
    manager.config.add('b', ${JSON.stringify(wrapped)});
    await manager.tools();
    console.log(JSON.stringify(manager.runningPids().flatMap((pid) => [pid, ...descendantPids(pid)])));
    process.exit(0);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, path.join(tempDir(), 'mcp.json')], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const pids = JSON.parse(child.stdout.trim()) as number[];
  assert.equal(pids.length, 3);
  await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), `no server process is left running (${pids.filter(isProcessAlive).join(', ')})`);
});
