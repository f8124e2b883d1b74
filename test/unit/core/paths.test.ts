import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { dataPaths, resolveDataDir } from '../../../electron/core/paths.ts';

test("the data directory follows each platform's convention", () => {
  const home = os.homedir();
  assert.equal(resolveDataDir(undefined, {}, 'linux'), path.join(home, '.local', 'share', 'inflow'));
  assert.equal(resolveDataDir(undefined, { XDG_DATA_HOME: '/xdg' }, 'linux'), path.join('/xdg', 'inflow'));
  assert.equal(resolveDataDir(undefined, {}, 'darwin'), path.join(home, 'Library', 'Application Support', 'Inflow'));
  assert.equal(resolveDataDir(undefined, { APPDATA: '/appdata' }, 'win32'), path.join('/appdata', 'Inflow'));
});

test('--data-dir wins over INFLOW_DATA_DIR, which wins over the platform default', () => {
  assert.equal(resolveDataDir('/explicit', { INFLOW_DATA_DIR: '/env' }, 'linux'), path.resolve('/explicit'));
  assert.equal(resolveDataDir(undefined, { INFLOW_DATA_DIR: '/env' }, 'linux'), path.resolve('/env'));
  assert.equal(resolveDataDir('', { INFLOW_DATA_DIR: '' }, 'linux'), path.join(os.homedir(), '.local', 'share', 'inflow'));
});

test('data paths keep the database, models and adapters inside the data directory', () => {
  const paths = dataPaths('/d');
  for (const value of Object.values(paths)) assert.ok(value.startsWith('/d'), value);
  assert.equal(paths.database, path.join('/d', 'inflow.db'));
});
