import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { tempDir } from '../../support/temp-dir.ts';

/**
 * `inflow serve` from the terminal: the token (created once, owner-only file), the server on the chosen port
 * answering with it, a second server on the same port refused with a clear message, bad options, Ctrl-C.
 */
const cli = path.join(repoRoot, 'electron', 'cli', 'index.ts');
const dataDir = tempDir('inflow-serve-');
const inflow = (...args: string[]) => spawnSync(process.execPath, [cli, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 60_000 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

test('inflow serve: token, port, no token no answer, port in use, bad options, Ctrl-C', { timeout: 120_000 }, async () => {
  const printed = inflow('serve', '--print-token');
  assert.equal(printed.status, 0, printed.stderr);
  const token = printed.stdout.trim();
  assert.match(token, /^inflow-[\w-]{40,}$/);
  assert.equal(inflow('serve', '--print-token').stdout.trim(), token, 'the same token every time');
  assert.equal(fs.statSync(path.join(dataDir, 'local-api-token')).mode & 0o777, 0o600);

  const port = await freePort();
  const child = spawn(process.execPath, [cli, '--data-dir', dataDir, 'serve', '--port', String(port), '--cpu', '--threads', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let tries = 0; !out.includes('listening') && tries < 300; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.match(out, new RegExp(`listening on http://127\\.0\\.0\\.1:${port}/v1`));

  const models = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(models.status, 200);
  assert.equal(((await models.json()) as { data: Array<{ id: string }> }).data[0]!.id, 'inflow-agent');
  assert.equal((await fetch(`http://127.0.0.1:${port}/v1/models`)).status, 401);

  const second = inflow('serve', '--port', String(port), '--cpu');
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use[\\s\\S]*another port`));
  const bad = inflow('serve', '--port', '80');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port must be a whole number from 1024 to 65535/);

  child.kill('SIGINT');
  assert.equal(await exited, 0, 'Ctrl-C stops the server cleanly');
});
