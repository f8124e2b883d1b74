import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { McpConfigStore } from '../../../electron/core/mcp/mcp-config-store.ts';
import { isAskFirst, parseServerEntry } from '../../../electron/core/mcp/mcp-config.ts';
import { tempDir } from '../../support/temp-dir.ts';

function configError(pattern: RegExp) {
  return (error: unknown) => InflowError.isInstance(error) && error.code === 'MCP_CONFIG_INVALID' && pattern.test(error.message);
}

test('stdio and HTTP entries in the usual mcpServers shape are read with Inflow defaults', () => {
  const stdio = parseServerEntry('files', { command: 'npx', args: ['-y', 'server', '/tmp'], env: { TOKEN: 'x' } });
  assert.equal(stdio.transport, 'stdio');
  assert.deepEqual(stdio.transport === 'stdio' && [stdio.command, stdio.args, stdio.env], ['npx', ['-y', 'server', '/tmp'], { TOKEN: 'x' }]);
  assert.equal(stdio.disabled, false);
  assert.deepEqual(stdio.askFirstTools, []);
  assert.equal(stdio.timeoutMs, 60_000);
  const http = parseServerEntry('remote', {
    type: 'http',
    url: 'http://127.0.0.1:3001/mcp',
    headers: { Authorization: 'Bearer t' },
    disabledTools: ['write'],
  });
  assert.equal(http.transport, 'http');
  assert.deepEqual(http.transport === 'http' && http.headers, { Authorization: 'Bearer t' });
  assert.deepEqual(http.disabledTools, ['write']);
});

test('malformed entries are refused with the server and the field named', () => {
  assert.throws(
    () => parseServerEntry('files', { command: 'x', args: ['ok', 3] }),
    configError(/"files": "args\[1\]" must be a string, not a number/),
  );
  assert.throws(() => parseServerEntry('files', { command: 'x', url: 'http://a/mcp' }), configError(/"files": .*both "command" and "url"/));
  assert.throws(() => parseServerEntry('files', { args: [] }), configError(/"files": .*neither "command" nor "url"/));
  assert.throws(() => parseServerEntry('web', { url: 'not a url' }), configError(/"web": "url" is not a valid URL/));
  assert.throws(() => parseServerEntry('web', { url: 'ftp://host/x' }), configError(/"web": "url" must start with http/));
  assert.throws(() => parseServerEntry('web', { type: 'sse', url: 'http://a/sse' }), configError(/"web": "type" is "sse"/));
  assert.throws(() => parseServerEntry('files', { command: 'x', env: { A: 1 } }), configError(/"files": "env.A" must be a string/));
  assert.throws(
    () => parseServerEntry('files', { command: 'x', timeoutMs: -5 }),
    configError(/"files": "timeoutMs" must be a positive whole number/),
  );
  assert.throws(() => parseServerEntry('files', { command: 'x', disabled: 'yes' }), configError(/"files": "disabled" must be true or false/));
  assert.throws(() => parseServerEntry('bad name!', { command: 'x' }), configError(/"bad name!" is not a valid MCP server name/));
  assert.throws(() => parseServerEntry('web', { type: 'http', command: 'x' }), configError(/"web": "type" is "http" but the entry has a "command"/));
  assert.throws(
    () => parseServerEntry('files', { type: 'stdio', url: 'http://a/mcp' }),
    configError(/"files": "type" is "stdio" but the entry has a "url"/),
  );
});

test('the store adds, lists, toggles and removes servers, keeping fields and keys it does not know', () => {
  const file = path.join(tempDir(), 'mcp.json');
  fs.writeFileSync(file, JSON.stringify({ otherClientSetting: 1, mcpServers: { kept: { command: 'a', autoApprove: ['t'] } } }));
  const store = new McpConfigStore({ file });
  store.add('files', { command: 'npx', args: ['server'], alwaysAllow: ['read'] });
  assert.throws(
    () => store.add('files', { command: 'other' }),
    (error: unknown) => InflowError.isInstance(error) && error.code === 'MCP_SERVER_EXISTS',
  );
  store.setEnabled('files', false, 'write_file');
  store.setApproval('files', 'move_file', true);
  store.setEnabled('kept', false);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(raw.otherClientSetting, 1);
  assert.deepEqual(raw.mcpServers.kept, { command: 'a', args: [], autoApprove: ['t'], disabled: true });
  assert.deepEqual(raw.mcpServers.files, {
    command: 'npx',
    args: ['server'],
    alwaysAllow: ['read'],
    disabledTools: ['write_file'],
    askFirstTools: ['move_file'],
  });
  assert.deepEqual(
    store.read().servers.map((server) => server.name),
    ['kept', 'files'],
  );
  store.setEnabled('files', true, 'write_file');
  store.setApproval('files', 'move_file', false);
  assert.deepEqual(store.get('files').disabledTools, []);
  assert.deepEqual(store.get('files').askFirstTools, []);
  store.remove('kept');
  assert.throws(
    () => store.remove('kept'),
    (error: unknown) => InflowError.isInstance(error) && error.code === 'MCP_SERVER_NOT_FOUND' && /Configured servers: files/.test(error.hint ?? ''),
  );
});

test('a broken entry is reported and the other servers still load; a file that is not JSON is never overwritten', () => {
  const dir = tempDir();
  const file = path.join(dir, 'mcp.json');
  fs.writeFileSync(file, JSON.stringify({ mcpServers: { good: { command: 'a' }, broken: { command: 42 } } }));
  const store = new McpConfigStore({ file });
  const snapshot = store.read();
  assert.deepEqual(
    snapshot.servers.map((server) => server.name),
    ['good'],
  );
  assert.equal(snapshot.errors[0]?.name, 'broken');
  assert.match(snapshot.errors[0]!.error.message, /"broken": "command" must be a non-empty string/);
  store.setEnabled('good', false);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).mcpServers.broken, { command: 42 });

  const text = '{"mcpServers": {"x": {"command": "a",}}}';
  fs.writeFileSync(file, text);
  assert.throws(() => store.add('y', { command: 'b' }), configError(/is not valid JSON/));
  assert.equal(fs.readFileSync(file, 'utf8'), text);
  fs.writeFileSync(file, '{"mcpServers": []}');
  assert.throws(() => store.read(), configError(/"mcpServers" must be an object/));
});

test('a missing config file is an empty list, and "ask first" for every tool cannot be half undone', () => {
  const store = new McpConfigStore({ file: path.join(tempDir(), 'sub', 'mcp.json') });
  assert.deepEqual(store.read(), { servers: [], errors: [] });
  store.add('files', { command: 'a' });
  store.setApproval('files', '*', true);
  assert.throws(() => store.setApproval('files', 'read', false), configError(/"\*"/));
  store.setApproval('files', '*', false);
  assert.deepEqual(store.get('files').askFirstTools, []);
});

test('a tool the server does not annotate read-only asks first by default; "approval off" lets it run; read-only tools run', () => {
  const store = new McpConfigStore({ file: path.join(tempDir(), 'mcp.json') });
  store.add('files', { command: 'a' });
  const writeFile = { name: 'write_file', annotations: { readOnlyHint: false, destructiveHint: true } };
  const unannotated = { name: 'do_something' };
  const readFile = { name: 'read_text_file', annotations: { readOnlyHint: true } };
  assert.equal(isAskFirst(store.get('files'), writeFile), true);
  assert.equal(isAskFirst(store.get('files'), unannotated), true, 'no annotation: it may change things');
  assert.equal(isAskFirst(store.get('files'), readFile), false);
  store.setApproval('files', 'write_file', false);
  assert.equal(isAskFirst(store.get('files'), writeFile), false, 'the user allowed it');
  assert.deepEqual(JSON.parse(fs.readFileSync(store.file, 'utf8')).mcpServers.files.autoApproveTools, ['write_file']);
  store.setApproval('files', 'read_text_file', true);
  assert.equal(isAskFirst(store.get('files'), readFile), true, 'the user asked for it');
  store.setApproval('files', 'write_file', true);
  assert.equal(isAskFirst(store.get('files'), writeFile), true);
  assert.deepEqual(store.get('files').autoApproveTools, []);
});
