import assert from 'node:assert/strict';
import fs from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { channelOf } from '../../../electron/core/contract/index.ts';
import { tempDir } from '../../support/temp-dir.ts';

const standIn = pathToFileURL(path.resolve(import.meta.dirname, '../../support/bridge/electron-stand-in.ts')).href;
registerHooks({
  resolve: (specifier, context, next) => (specifier === 'electron' ? { url: standIn, shortCircuit: true } : next(specifier, context)),
});

test('the main process opens the data folder chosen in Settings; choosing another one applies at the next start and touches nothing', async () => {
  if (process.platform !== 'linux') return;
  delete process.env.INFLOW_DATA_DIR;
  process.env.XDG_CONFIG_HOME = tempDir('inflow-config-');
  const chosen = tempDir('inflow-chosen-');
  const choiceFile = path.join(process.env.XDG_CONFIG_HOME, 'inflow', 'data-dir.json');
  fs.mkdirSync(path.dirname(choiceFile), { recursive: true });
  fs.writeFileSync(choiceFile, JSON.stringify({ dataDir: chosen }));
  const { recorded, app } = (await import(standIn)) as typeof import('../../support/bridge/electron-stand-in.ts');
  await import('../../../electron/main/index.ts');
  app.markReady();
  for (let tries = 0; recorded.windows.length === 0; tries++) {
    assert.ok(tries < 200, 'a window opens');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const window = recorded.windows[0]!;
  const trusted = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  const info = (await recorded.handlers.get(channelOf('app.info'))!(trusted, undefined)) as { value: { dataDir: string } };
  assert.equal(info.value.dataDir, chosen);
  assert.ok(fs.existsSync(path.join(chosen, 'inflow.db')));
  const location = (await recorded.handlers.get(channelOf('system.dataLocation'))!(trusted, undefined)) as { value: unknown };
  assert.deepEqual(location.value, { current: chosen, next: null, configFile: choiceFile, envOverride: false });

  const before = fs.readdirSync(chosen).sort();
  const next = path.join(tempDir('inflow-next-'), 'Inflow data');
  const set = (await recorded.handlers.get(channelOf('system.setDataDir'))!(trusted, { path: next })) as { ok: boolean; value: { next: string } };
  assert.equal(set.ok, true);
  assert.equal(set.value.next, next);
  assert.deepEqual(JSON.parse(fs.readFileSync(choiceFile, 'utf8')), { dataDir: next });
  assert.ok(fs.statSync(next).isDirectory());
  assert.deepEqual(fs.readdirSync(chosen).sort(), before, 'nothing in the current folder moved');
  const relative = (await recorded.handlers.get(channelOf('system.setDataDir'))!(trusted, { path: 'relative/dir' })) as {
    ok: boolean;
    error: { code: string; hint: string };
  };
  assert.equal(relative.error.code, 'INVALID_DATA_DIR');
  assert.deepEqual(JSON.parse(fs.readFileSync(choiceFile, 'utf8')), { dataDir: next }, 'a bad choice leaves the recorded one');

  app.quit();
  for (let tries = 0; recorded.exitCodes.length === 0; tries++) {
    assert.ok(tries < 200, 'the app exits');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
});
