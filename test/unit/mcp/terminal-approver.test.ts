import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createTerminalApprover } from '../../../electron/core/mcp/terminal-approver.ts';

const request = { toolName: 'files__write_file', input: { path: '/tmp/x' }, tool: { source: 'mcp:files' } };

test('the terminal approver shows the call and reads y/N answers in order; end of input denies', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
  });
  const approve = createTerminalApprover({ input, output });
  input.write('y\nno\n');
  input.write('YES\n');
  assert.deepEqual(await Promise.all([approve(request), approve(request), approve(request)]), [true, false, true]);
  assert.match(shown, /files__write_file \(mcp:files\) with:\n {2}\{\n {4}"path": "\/tmp\/x"/);
  assert.equal(shown.match(/Allow\? \[y\/N\]/g)?.length, 3);
  input.write('\n');
  assert.equal(await approve(request), false, 'an empty answer denies');
  input.end();
  assert.equal(await approve(request), false, 'end of input denies');
});

test('--yes allows without asking, and without a terminal calls are denied with a hint', async () => {
  const output = new PassThrough();
  assert.equal(await createTerminalApprover({ assumeYes: true, output })(request), true);
  assert.match(output.read().toString(), /Allowed \(--yes\)/);
  if (process.stdin.isTTY) return;
  const quiet = new PassThrough();
  assert.equal(await createTerminalApprover({ output: quiet })(request), false);
  assert.match(quiet.read().toString(), /pass --yes/);
});
