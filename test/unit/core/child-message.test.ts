import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sendToChild } from '../../../electron/core/child-message.ts';
import { tempDir } from '../../support/temp-dir.ts';

/**
 * A message sent to a child process that is going away (the trainer killed when the user stops a run, a Python
 * sandbox dead of its memory limit) must not crash the app. A plain `child.send` fails later with EPIPE as an 'error'
 * event on the child; where nothing listens, that is an uncaught exception (it failed the e2e training test in a CI
 * run). Here the child's 'error' events are counted: sendToChild must cause none, a plain send does.
 */
test('a message to a child that was just killed is dropped without an error event (an uncaught EPIPE); a plain send raises one', async () => {
  const script = path.join(tempDir(), 'child.mjs');
  fs.writeFileSync(script, "process.on('message', () => {}); setInterval(() => {}, 1000);\n");
  const big = { payload: 'x'.repeat(1 << 20) };
  const errorsAfterKill = async (send: (child: ChildProcess) => void) => {
    const child = fork(script, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const errors: string[] = [];
    child.on('error', (error: Error & { code?: string }) => errors.push(error.code ?? error.message));
    await new Promise((resolve) => child.once('spawn', resolve));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    for (let i = 0; i < 5; i++) {
      send(child);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return errors;
  };
  for (let round = 0; round < 3; round++) assert.deepEqual(await errorsAfterKill((child) => sendToChild(child, big)), []);
  // the hazard it guards against: the same sends, plain
  const plain = await errorsAfterKill((child) => child.send(big));
  assert.ok(plain.length > 0 && plain.every((code) => code === 'EPIPE' || code === 'ERR_IPC_CHANNEL_CLOSED'), plain.join(', '));
});
