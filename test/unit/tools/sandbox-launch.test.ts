import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { sandboxLaunch, unpackedPath } from '../../../electron/core/tools/python/sandbox-launch.ts';

test('paths inside app.asar map to app.asar.unpacked; others stay as they are', () => {
  assert.equal(unpackedPath('/opt/Inflow/resources/app.asar/node_modules/pyodide'), '/opt/Inflow/resources/app.asar.unpacked/node_modules/pyodide');
  assert.equal(
    unpackedPath('C:\\Program Files\\Inflow\\resources\\app.asar\\dist\\x.js'),
    'C:\\Program Files\\Inflow\\resources\\app.asar.unpacked\\dist\\x.js',
  );
  assert.equal(unpackedPath('/home/me/inflow/node_modules/pyodide'), '/home/me/inflow/node_modules/pyodide');
  assert.equal(unpackedPath('/home/me/app.asar.d/x'), '/home/me/app.asar.d/x', 'only a whole app.asar segment counts');
});

test('the sandbox is granted reads of exactly its real script and Pyodide folder, and runs Electron as Node', () => {
  const root = path.join(path.sep, 'opt', 'Inflow', 'resources');
  const launch = sandboxLaunch({
    moduleDir: path.join(root, 'app.asar', 'dist', 'electron', 'core', 'tools', 'python'),
    extension: '.js',
    pyodideDir: path.join(root, 'app.asar', 'node_modules', 'pyodide'),
    memoryLimitBytes: 128 * 1024 * 1024,
    snapshotMode: 'none',
  });
  const script = path.join(root, 'app.asar.unpacked', 'dist', 'electron', 'core', 'tools', 'python', 'sandbox-process.js');
  const pyodide = path.join(root, 'app.asar.unpacked', 'node_modules', 'pyodide');
  assert.equal(launch.script, script);
  assert.deepEqual(launch.execArgv, [
    '--permission',
    `--allow-fs-read=${pyodide}`,
    `--allow-fs-read=${script}`,
    '--allow-worker',
    '--max-old-space-size=256',
    '--wasm-max-mem-pages=2048',
    '--no-warnings',
  ]);
  assert.equal(launch.env.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(launch.env.INFLOW_PYODIDE_DIR, pyodide);
});
