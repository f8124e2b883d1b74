import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { everythingServerEntry } from '../../support/mcp-servers.ts';
import { tempDir } from '../../support/temp-dir.ts';

const cli = path.resolve(import.meta.dirname, '../../../electron/cli/index.ts');
const dataDir = tempDir();
const inflow = (...args: string[]) =>
  spawnSync(process.execPath, [cli, '--data-dir', dataDir, 'mcp', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, INFLOW_DATA_DIR: dataDir },
  });

test('inflow mcp add, list, approval, tools and rm work on the config file and the real server', () => {
  const server = everythingServerEntry();
  const added = inflow('add', 'everything', '--env', 'GREETING=hi', '--', server.command, ...server.args);
  assert.equal(added.status, 0, added.stderr);
  assert.match(added.stdout, /Added MCP server "everything"/);
  assert.equal(inflow('add', 'remote', 'http://127.0.0.1:3001/mcp', '--header', 'Authorization: Bearer t').status, 0);
  assert.equal(inflow('approval', 'everything', 'echo', 'ask').status, 0);
  assert.equal(inflow('disable', 'everything', 'get-env').status, 0);
  assert.equal(inflow('disable', 'remote').status, 0);

  const config = JSON.parse(fs.readFileSync(path.join(dataDir, 'mcp.json'), 'utf8'));
  assert.deepEqual(config.mcpServers.everything, { ...server, env: { GREETING: 'hi' }, disabledTools: ['get-env'], askFirstTools: ['echo'] });
  assert.deepEqual(config.mcpServers.remote, {
    type: 'http',
    url: 'http://127.0.0.1:3001/mcp',
    headers: { Authorization: 'Bearer t' },
    disabled: true,
  });

  const listed = inflow('list');
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /^everything {2}on {2}stdio /m);
  assert.match(listed.stdout, /ask first: echo/);
  assert.match(listed.stdout, /^remote {2}off {2}http {2}http:\/\/127\.0\.0\.1:3001\/mcp/m);

  const tools = inflow('tools', '--json');
  assert.equal(tools.status, 0, tools.stderr);
  const [report] = JSON.parse(tools.stdout) as Array<{ server: string; tools: Array<{ name: string; enabled: boolean; askFirst: boolean }> }>;
  assert.equal(report?.server, 'everything', 'the disabled server is not started');
  assert.deepEqual(
    report.tools.find((tool) => tool.name === 'everything__echo'),
    { ...report.tools.find((tool) => tool.name === 'everything__echo'), enabled: true, askFirst: true },
  );
  assert.equal(report.tools.find((tool) => tool.name === 'everything__get_env')?.enabled, false);

  assert.equal(inflow('rm', 'remote').status, 0);
  const missing = inflow('rm', 'remote');
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /There is no MCP server named "remote"/);
});

test('bad usage, a server that cannot start and a malformed config file give clear errors and exit codes', () => {
  const usage = inflow('add', 'x');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /needs a command to start the server, or its URL/);
  assert.equal(inflow('add', 'broken', '--', 'inflow-no-such-mcp-server').status, 0);
  const failed = inflow('tools', 'broken');
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /the command "inflow-no-such-mcp-server" was not found/);

  fs.writeFileSync(path.join(dataDir, 'mcp.json'), '{"mcpServers": {"a": {"command": 5}}}');
  const invalid = inflow('list');
  assert.equal(invalid.status, 4);
  assert.match(invalid.stdout, /a {2}invalid {2}MCP server "a": "command" must be a non-empty string/);
});
