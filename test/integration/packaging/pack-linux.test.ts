import assert from 'node:assert/strict';
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import asar from '@electron/asar';
import { benchmarkCatalog } from '../../../electron/core/eval/benchmark-catalog.ts';
import { sandboxLaunch } from '../../../electron/core/tools/python/sandbox-launch.ts';
import { missingRuntime } from '../../../scripts/packaging/after-pack.ts';
import { targetRuntime } from '../../../scripts/packaging/target-runtime.ts';
import { packLinuxApp } from '../../support/packaging.ts';
import { tempDir } from '../../support/temp-dir.ts';

/**
 * Really packs the Linux app (electron-builder --linux --dir, Electron replaced by a stand-in folder through
 * `electronDist`) and checks what a user's machine would get. Size budget, set before measuring the final config:
 * the whole folder at most 760 MiB (node-llama-cpp's CUDA, CUDA-ext and Vulkan variants are ~620 MiB of it), and
 * app.asar (everything that is not a native binary, Pyodide or a resource) at most 40 MiB.
 */
const MiB = 1024 * 1024;
const budget = { total: 760 * MiB, asar: 40 * MiB };
const linux = process.platform === 'linux' && process.arch === 'x64';

function folderBytes(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
}

describe('the packed Linux app (electron-builder --linux --dir)', { skip: !linux && 'packs the linux-x64 target, on a linux-x64 machine' }, () => {
  let app = '';
  let resources = '';
  let unpacked = '';
  let entries: string[] = [];
  const work = linux ? tempDir() : '';
  before(() => {
    app = packLinuxApp(path.join(work, 'release'), path.join(work, 'electron-dist'));
    resources = path.join(app, 'resources');
    unpacked = path.join(resources, 'app.asar.unpacked');
    entries = asar.listPackage(path.join(resources, 'app.asar'), { isPack: false }).map((entry) => entry.replaceAll('\\', '/').replace(/^\//, ''));
  });

  it('has the executable, app.asar with the built app and the package metadata electron-builder needs', () => {
    assert.ok(fs.statSync(path.join(app, 'inflow')).mode & 0o100, 'the stand-in Electron was renamed to the product executable');
    const pkg = JSON.parse(asar.extractFile(path.join(resources, 'app.asar'), 'package.json').toString()) as {
      main: string;
      author: { email: string };
      homepage: string;
    };
    assert.equal(pkg.main, 'dist/electron/main/index.js');
    assert.match(pkg.author.email, /@/);
    assert.match(pkg.homepage, /^https:\/\//);
    for (const file of [
      'dist/electron/main/index.js',
      'dist/electron/preload/index.cjs',
      'dist/electron/core/training/trainer-worker.js',
      'dist/renderer/index.html',
    ]) {
      assert.ok(entries.includes(file), `${file} is packed`);
    }
  });

  it("carries node-llama-cpp's linux-x64 binaries (CPU, CUDA, Vulkan) unpacked, and no other platform's", () => {
    assert.deepEqual(missingRuntime(resources, 'linux', 'x64'), []);
    const packages = fs.readdirSync(path.join(unpacked, 'node_modules', '@node-llama-cpp')).sort();
    assert.deepEqual(packages, [...targetRuntime('linux', 'x64').llamaPackages].sort());
    assert.ok(fs.existsSync(path.join(unpacked, 'node_modules', '@node-llama-cpp', 'linux-x64', 'bins', 'linux-x64', 'libggml-base.so')));
    assert.ok(
      !entries.some((e) => /node-llama-cpp\/llama\/(gitRelease\.bundle|llama\.cpp\/|localBuilds\/)/.test(e)),
      'no llama.cpp sources: the app never compiles',
    );
  });

  it("carries better-sqlite3's linux-x64 binary only, unpacked, and it opens a database", () => {
    assert.deepEqual(fs.readdirSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'prebuilds')), ['linux-x64.node']);
    assert.ok(!entries.some((e) => /better-sqlite3\/(deps|src)\//.test(e)), 'no SQLite sources');
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(path.join(unpacked, 'node_modules', 'better-sqlite3'))}); console.log(new D(':memory:').prepare('select 6*7 as x').get().x)`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(out.trim(), '42');
  });

  it('carries the prebuilt trainer, which finds the packed libggml-base by itself (no local build, no compiler)', () => {
    const addon = path.join(unpacked, 'dist', 'native', 'prebuilds', 'linux-x64', 'inflow-trainer.node');
    assert.ok(fs.existsSync(addon));
    assert.ok(!entries.some((e) => e.startsWith('dist/native/build') || e.startsWith('native/')), 'no local build or native sources');
    // loaded alone (node-llama-cpp not loaded first), so only the addon's RUNPATH can find libggml-base
    const maps = execFileSync(
      process.execPath,
      ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(addon)}); console.log(require('fs').readFileSync('/proc/self/maps', 'utf8'))`],
      { encoding: 'utf8' },
    );
    const ggml = [
      ...new Set(
        maps
          .split('\n')
          .filter((l) => l.includes('libggml-base.so'))
          .map((l) => l.trim().split(/\s+/).pop()),
      ),
    ];
    assert.deepEqual(ggml, [path.join(unpacked, 'node_modules', '@node-llama-cpp', 'linux-x64', 'bins', 'linux-x64', 'libggml-base.so')]);
  });

  it('carries Pyodide, the benchmarks and resources/ unpacked', () => {
    for (const file of ['pyodide.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'package.json'])
      assert.ok(fs.existsSync(path.join(unpacked, 'node_modules', 'pyodide', file)), file);
    for (const info of benchmarkCatalog) assert.ok(fs.existsSync(path.join(unpacked, 'dist', 'resources', 'benchmarks', info.file)), info.file);
    assert.ok(fs.existsSync(path.join(unpacked, 'dist', 'resources', 'benchmarks', 'README.md')), "the benchmarks' source and licence note");
    assert.ok(fs.readdirSync(path.join(unpacked, 'dist', 'resources', 'prompts')).length > 0);
  });

  it('ships no tests, sources, caches, source maps or secrets', () => {
    const all = [...entries, ...fs.readdirSync(unpacked, { recursive: true }).map((e) => String(e).replaceAll('\\', '/'))];
    const bad = all.filter(
      (e) =>
        /(^|\/)(test|tests|__tests__|\.cache|\.git|\.github|\.ci)(\/|$)|\.(ts|tsx|map)$|(^|\/)(\.env[^/]*|\.npmrc|id_rsa[^/]*|[^/]*\.pem)$/.test(e) &&
        !e.endsWith('.d.ts'),
    );
    assert.deepEqual(bad, []);
    const top = new Set(entries.map((e) => e.split('/')[0]));
    assert.deepEqual([...top].sort(), ['dist', 'node_modules', 'package.json']);
    assert.ok(
      !entries.some((e) => /^node_modules\/(electron|electron-builder|vite|typescript|playwright-core|node|@types)\//.test(e)),
      'no development packages',
    );
  });

  it('stays within its size budget', () => {
    const total = folderBytes(app);
    const asarBytes = fs.statSync(path.join(resources, 'app.asar')).size;
    console.log(
      `packed linux-unpacked: ${(total / MiB).toFixed(1)} MiB (app.asar ${(asarBytes / MiB).toFixed(1)} MiB, app.asar.unpacked ${(folderBytes(unpacked) / MiB).toFixed(1)} MiB)`,
    );
    assert.ok(total <= budget.total, `${(total / MiB).toFixed(1)} MiB > ${budget.total / MiB} MiB`);
    assert.ok(asarBytes <= budget.asar, `app.asar ${(asarBytes / MiB).toFixed(1)} MiB > ${budget.asar / MiB} MiB`);
  });

  it('runs Python in the sandbox from the packaged layout: script and Pyodide out of app.asar, under --permission', async () => {
    // what python-sandbox.js computes inside the packaged app (its import.meta.dirname and Pyodide's resolved folder)
    const launch = sandboxLaunch({
      moduleDir: path.join(resources, 'app.asar', 'dist', 'electron', 'core', 'tools', 'python'),
      extension: '.js',
      pyodideDir: path.join(resources, 'app.asar', 'node_modules', 'pyodide'),
      memoryLimitBytes: 512 * MiB,
      snapshotMode: 'none',
    });
    assert.equal(launch.script, path.join(unpacked, 'dist', 'electron', 'core', 'tools', 'python', 'sandbox-process.js'));
    assert.equal(launch.pyodideDir, path.join(unpacked, 'node_modules', 'pyodide'));
    assert.ok(fs.existsSync(launch.script), 'the sandbox script is unpacked');
    // Node 24 stands in for Electron run as Node (ELECTRON_RUN_AS_NODE): same script, same flags, same env
    const child = fork(launch.script, [], {
      execArgv: launch.execArgv,
      env: launch.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const result = await new Promise<{ output: string; error: string | null }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer in 90 s: ${stderr}`)), 90_000);
      child.on('message', (message: { ready?: boolean; fatal?: string; id?: number; result?: { output: string; error: string | null } }) => {
        if (message.ready)
          child.send({
            id: 1,
            code: 'import os\nprint(sum(range(10)))\ntry:\n    open("/etc/hostname").read()\nexcept Exception as e:\n    print(type(e).__name__)',
          });
        if (message.fatal !== undefined) {
          clearTimeout(timer);
          reject(new Error(message.fatal));
        }
        if (message.id === 1 && message.result) {
          clearTimeout(timer);
          resolve(message.result);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sandbox exited ${code}: ${stderr}`));
      });
    }).finally(() => child.kill());
    assert.equal(result.error, null);
    const lines = result.output.trim().split('\n');
    assert.equal(lines[0], '45');
    assert.match(lines[1] ?? '', /Error/, 'the host file system stays closed');
  });
});
