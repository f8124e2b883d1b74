import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { boundedShutdown, devServerUrl } from '../../../electron/main/lifecycle.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('VITE_DEV_SERVER_URL is honoured only by an unpackaged app', () => {
  const env = { VITE_DEV_SERVER_URL: 'http://127.0.0.1:5173/' };
  assert.equal(devServerUrl(env, false), 'http://127.0.0.1:5173/');
  assert.equal(devServerUrl(env, true), undefined, 'an installed app never loads another page');
  assert.equal(devServerUrl({ VITE_DEV_SERVER_URL: '' }, false), undefined);
});

test('shutdown is bounded: hanging work times out, failing work still ends, finished work is done', async () => {
  const started = Date.now();
  assert.equal(await boundedShutdown(() => new Promise(() => undefined), 200), 'timed-out');
  assert.ok(Date.now() - started < 2000);
  assert.equal(
    await boundedShutdown(async () => {
      throw new Error('disk gone');
    }, 200),
    'failed',
  );
  assert.equal(await boundedShutdown(async () => undefined, 200), 'done');
});

/** Runs electron/main/index.ts under Node with the recording stand-in for `electron`, in a fresh process. */
function runMain(env: NodeJS.ProcessEnv, body: string): unknown {
  const standIn = pathToFileURL(path.resolve(import.meta.dirname, '../../support/bridge/electron-stand-in.ts')).href;
  const main = pathToFileURL(path.resolve(import.meta.dirname, '../../../electron/main/index.ts')).href;
  const script = `import { registerHooks } from 'node:module';
    registerHooks({ resolve: (s, c, n) => (s === 'electron' ? { url: ${JSON.stringify(standIn)}, shortCircuit: true } : n(s, c)) });
    const { recorded, app } = await import(${JSON.stringify(standIn)});
    await import(${JSON.stringify(main)});
    ${body}`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, INFLOW_DATA_DIR: tempDir('inflow-main-'), ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('a second instance exits at once, before it opens a window, a handler or the database', () => {
  const result = runMain(
    { INFLOW_STANDIN_SECOND_INSTANCE: '1' },
    `app.markReady(); await new Promise((r) => setTimeout(r, 300));
    console.log(JSON.stringify({ exits: recorded.exitCodes, windows: recorded.windows.length, handlers: recorded.handlers.size, schemes: recorded.schemes.length }));`,
  );
  assert.deepEqual(result, { exits: [0], windows: 0, handlers: 0, schemes: 0 });
});

test('a packaged app loads its bundled renderer even when VITE_DEV_SERVER_URL is set', () => {
  const result = runMain(
    { INFLOW_STANDIN_PACKAGED: '1', VITE_DEV_SERVER_URL: 'http://evil.example/' },
    `app.markReady();
    for (let i = 0; recorded.windows.length === 0 && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
    console.log(JSON.stringify({ url: recorded.windows[0]?.loadedUrl })); process.exit(0);`,
  );
  assert.deepEqual(result, { url: 'app://inflow/index.html' });
});
