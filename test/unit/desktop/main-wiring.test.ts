import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { channelOf, methodNames } from '../../../electron/core/contract/index.ts';
import { tempDir } from '../../support/temp-dir.ts';

const standIn = pathToFileURL(path.resolve(import.meta.dirname, '../../support/bridge/electron-stand-in.ts')).href;
registerHooks({
  resolve: (specifier, context, next) => (specifier === 'electron' ? { url: standIn, shortCircuit: true } : next(specifier, context)),
});

test('the main process wires every contract method with a sender check, opens a hardened window, and closes cleanly on quit', async () => {
  process.env.INFLOW_DATA_DIR = tempDir('inflow-main-');
  const electron = (await import(standIn)) as typeof import('../../support/bridge/electron-stand-in.ts');
  const { recorded, app } = electron;
  await import('../../../electron/main/index.ts');
  assert.deepEqual((recorded.schemes[0] as { scheme: string }).scheme, 'app', 'app:// is registered before ready');
  app.markReady();
  for (let tries = 0; recorded.windows.length === 0; tries++) {
    assert.ok(tries < 200, 'a window opens');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const window = recorded.windows[0]!;
  const preferences = window.options.webPreferences as Record<string, unknown>;
  assert.equal(preferences.contextIsolation, true);
  assert.equal(preferences.sandbox, true);
  assert.equal(preferences.nodeIntegration, false);
  assert.match(String(preferences.preload), /preload[/\\]index\.cjs$/);
  assert.equal(window.loadedUrl, 'app://inflow/index.html');
  assert.ok(recorded.protocolHandlers.has('app'));
  assert.equal(recorded.menus, 1);

  assert.deepEqual([...recorded.handlers.keys()].sort(), methodNames.map(channelOf).sort(), 'one handler per contract method, nothing else');
  const info = recorded.handlers.get(channelOf('app.info'))!;
  const trusted = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  const result = (await info(trusted, undefined)) as { ok: boolean; value: { dataDir: string } };
  assert.equal(result.ok, true);
  assert.equal(result.value.dataDir, process.env.INFLOW_DATA_DIR);
  const fromSubframe = (await info(
    { sender: window.webContents, senderFrame: { processId: 7, routingId: 2, url: 'app://inflow/index.html' } },
    undefined,
  )) as { ok: boolean; error: { code: string } };
  assert.equal(fromSubframe.error.code, 'FORBIDDEN');
  const foreignPage = (await info(
    { sender: window.webContents, senderFrame: { ...window.webContents.mainFrame, url: 'https://evil.example/' } },
    undefined,
  )) as { ok: boolean; error: { code: string } };
  assert.equal(foreignPage.error.code, 'FORBIDDEN');
  const invalid = (await recorded.handlers.get(channelOf('runs.get'))!(trusted, { runId: 42 })) as { ok: boolean; error: { code: string } };
  assert.equal(invalid.error.code, 'INVALID_INPUT');

  const pickPath = recorded.handlers.get(channelOf('system.pickPath'))!;
  recorded.dialogAnswers.push({ canceled: false, filePaths: ['/home/me/models/mistral.gguf'] });
  const picked = (await pickPath(trusted, { kind: 'file', title: 'Add a GGUF model', filters: [{ name: 'GGUF models', extensions: ['gguf'] }] })) as {
    ok: boolean;
    value: unknown;
  };
  assert.deepEqual(picked, { ok: true, value: { path: '/home/me/models/mistral.gguf' } });
  assert.equal(recorded.openDialogs[0]!.window, window, 'the dialog is modal to the calling window');
  assert.deepEqual(recorded.openDialogs[0]!.options, {
    properties: ['openFile'],
    title: 'Add a GGUF model',
    filters: [{ name: 'GGUF models', extensions: ['gguf'] }],
  });
  const cancelled = (await pickPath(trusted, { kind: 'folder' })) as { ok: boolean; value: unknown };
  assert.deepEqual(cancelled, { ok: true, value: { cancelled: true } });
  assert.deepEqual(recorded.openDialogs[1]!.options.properties, ['openDirectory', 'createDirectory']);
  const foreignPick = (await pickPath(
    { sender: window.webContents, senderFrame: { ...window.webContents.mainFrame, url: 'https://evil.example/' } },
    { kind: 'file' },
  )) as { ok: boolean; error: { code: string } };
  assert.equal(foreignPick.error.code, 'FORBIDDEN');
  assert.equal(recorded.openDialogs.length, 2, 'a foreign page cannot open a dialog');

  const contents = window.webContents;
  assert.deepEqual(contents.windowOpenHandler!({ url: 'https://example.org/doc' }), { action: 'deny' });
  assert.deepEqual(contents.windowOpenHandler!({ url: 'file:///etc/passwd' }), { action: 'deny' });
  assert.deepEqual(recorded.opened, ['https://example.org/doc'], 'only the http(s) link went to the system browser');
  let prevented = 0;
  contents.emit(
    'will-navigate',
    {
      preventDefault: () => {
        prevented++;
      },
    },
    'https://example.org/',
  );
  contents.emit(
    'will-navigate',
    {
      preventDefault: () => {
        prevented++;
      },
    },
    'app://inflow/index.html#/runs',
  );
  assert.equal(prevented, 1, 'navigation away is blocked, in-app navigation is not');
  let permission: boolean | null = null;
  contents.permissionHandler!(contents, 'media', (allow) => {
    permission = allow;
  });
  assert.equal(permission, false);

  const settingsUpdate = recorded.handlers.get(channelOf('settings.update'))!;
  await settingsUpdate(trusted, { limits: { maxSteps: 4 } });
  app.quit();
  for (let tries = 0; recorded.exitCodes.length === 0; tries++) {
    assert.ok(tries < 200, 'the app exits after closing the back end');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.deepEqual(recorded.exitCodes, [0]);
  assert.equal(recorded.handlers.size, 0, 'handlers are removed on quit');
  const { createBackend } = await import('../../../electron/core/backend.ts');
  const reopened = await createBackend({ dataDir: process.env.INFLOW_DATA_DIR! });
  assert.equal(
    (reopened.db.prepare("SELECT value FROM settings WHERE key = 'limits.maxSteps'").get() as { value: string }).value,
    '4',
    'what was saved before quitting is on disk',
  );
  await reopened.close();
});
