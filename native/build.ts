/**
 * Builds the native LoRA trainer addon (`native/build/inflow-trainer.node`) during `npm install` (postinstall) and
 * `npm run build:native`. It compiles `native/src/*.cpp` with the system C++ compiler against the ggml headers of
 * node-llama-cpp's own llama.cpp bundle and links only `libggml-base` from node-llama-cpp's prebuilt binaries, so one
 * ggml serves inference and training in one process. Nothing is downloaded.
 *
 * A failed build never fails `npm install`: the reason goes to `native/build/build-info.json`, and
 * `loadNativeTrainer()` reports it with code NATIVE_TRAINER_UNAVAILABLE when training is attempted.
 * `INFLOW_NATIVE_BUILD_DIR` moves the output folder; `CXX` picks the compiler (g++/clang++; `cl` on Windows, where
 * MSVC is used: see build-windows.ts).
 * Flags: `--force` rebuilds even when the sources are unchanged; `--strict` exits non-zero on failure (CI);
 * `--prebuild` writes the release binary into `native/prebuilds/<platform>-<arch>/` (prebuildify's layout, found by
 * electron/core/training/trainer/native-addon-location.ts), linked so that it finds libggml-base both in a checkout and in
 * the packaged app (see prebuildRuntimePaths).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureLlamaSource } from '../scripts/llama-source.ts';
import { buildWithMsvc } from './build-windows.ts';

const run = promisify(execFile);
const nativeDir = import.meta.dirname;
const repoRoot = path.resolve(nativeDir, '..');
const prebuild = process.argv.includes('--prebuild');
/** The prebuildify folder name (electron/core/training/trainer/native-addon-location.ts `prebuildName`). */
const prebuildName = `${process.platform}-${process.arch}`;
/** Overridable so that packaging (or a test) can build elsewhere; native-trainer.ts reads the same variable. */
const buildDir = path.resolve(
  (process.env.INFLOW_NATIVE_BUILD_DIR ?? '') !== ''
    ? (process.env.INFLOW_NATIVE_BUILD_DIR as string)
    : path.join(nativeDir, ...(prebuild ? ['prebuilds', prebuildName] : ['build'])),
);
const output = path.join(buildDir, 'inflow-trainer.node');
const infoFile = path.join(buildDir, 'build-info.json');
const require = createRequire(path.join(repoRoot, 'package.json'));

/** What the build left behind; read by electron/core/training/trainer/native-trainer.ts. */
export interface NativeBuildInfo {
  ok: boolean;
  error?: string;
  hint?: string;
  addonPath?: string;
  nodeLlamaCppVersion?: string;
  llamaCppRelease?: string;
  binariesDir?: string;
  sourceHash?: string;
  builtAt: string;
}

class BuildError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** The folder of an installed package, found from its entry point (some packages hide package.json in exports). */
function packageDir(name: string, from: NodeJS.Require = require): string {
  let dir = path.dirname(from.resolve(name));
  while (
    !fs.existsSync(path.join(dir, 'package.json')) ||
    (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name
  ) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new BuildError(`cannot locate the package folder of ${name}`, 'Reinstall the dependencies.');
    dir = parent;
  }
  return dir;
}

function prebuiltPackage(): string {
  const arch = process.arch;
  if (process.platform === 'linux') return `linux-${arch}`;
  if (process.platform === 'darwin') return arch === 'arm64' ? 'mac-arm64-metal' : 'mac-x64';
  if (process.platform === 'win32') return `win-${arch}`;
  throw new BuildError(`building the trainer on ${process.platform} is not supported`, "Inflow's trainer builds on Linux, macOS and Windows.");
}

function binariesDir(): string {
  const name = prebuiltPackage();
  // resolved from node-llama-cpp's own location, as node-llama-cpp itself does (its exports hide package.json)
  const fromNodeLlamaCpp = createRequire(path.join(packageDir('node-llama-cpp'), 'package.json'));
  let prebuilt: string;
  try {
    prebuilt = packageDir(`@node-llama-cpp/${name}`, fromNodeLlamaCpp);
  } catch {
    throw new BuildError(
      `node-llama-cpp's prebuilt package @node-llama-cpp/${name} is not installed`,
      'Run "npm install" with optional dependencies.',
    );
  }
  const dir = path.join(prebuilt, 'bins', name);
  const base = process.platform === 'darwin' ? 'libggml-base.dylib' : process.platform === 'win32' ? 'ggml-base.dll' : 'libggml-base.so';
  if (!fs.existsSync(path.join(dir, base))) throw new BuildError(`${base} is missing from ${dir}`, 'Reinstall node-llama-cpp.');
  return dir;
}

function nodeApiInclude(): string {
  const candidates: string[] = [];
  try {
    candidates.push(path.join(packageDir('node-api-headers'), 'include'));
  } catch {
    // not installed: fall back to the headers that ship with Node itself
  }
  candidates.push(path.join(path.dirname(process.execPath), '..', 'include', 'node'));
  candidates.push(path.join(repoRoot, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`, 'include', 'node'));
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
  if (found === undefined) throw new BuildError('Node-API headers (node_api.h) were not found', 'Install the "node-api-headers" npm package.');
  return found;
}

function compiler(): string {
  return process.env.CXX ?? (process.platform === 'darwin' ? 'clang++' : process.platform === 'win32' ? 'cl' : 'g++');
}

/**
 * Run-time search paths for libggml-base, relative to the addon. A local build points at the exact folder; a prebuilt
 * binary lives in native/prebuilds/<name>/ in a checkout and in dist/native/prebuilds/<name>/ inside the packaged
 * app (resources/app.asar.unpacked/), so it carries both, each relative to its own location. (Once node-llama-cpp
 * has loaded its binaries, the loader also reuses the libggml-base already in the process: same SONAME on Linux,
 * same install name on macOS, same module name on Windows, which has no rpath.)
 */
function runtimePaths(bins: string): string[] {
  if (!prebuild) return [path.relative(buildDir, bins)];
  const fromNodeModules = path.relative(path.join(repoRoot, 'node_modules'), bins);
  return [path.join('..', '..', '..', 'node_modules', fromNodeModules), path.join('..', '..', '..', '..', 'node_modules', fromNodeModules)].map((p) =>
    p.split(path.sep).join('/'),
  );
}

async function hashSources(sources: string[], extra: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [
    ...sources,
    ...fs
      .readdirSync(path.join(nativeDir, 'src'))
      .filter((f) => f.endsWith('.h'))
      .map((f) => path.join(nativeDir, 'src', f)),
    import.meta.filename,
    path.join(nativeDir, 'build-windows.ts'),
  ]) {
    hash.update(file).update(fs.readFileSync(file));
  }
  return hash.update(extra).digest('hex').slice(0, 16);
}

async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

async function build(force: boolean): Promise<NativeBuildInfo> {
  const bins = binariesDir();
  const llama = ensureLlamaSource();
  const napi = nodeApiInclude();
  const addonApi = packageDir('node-addon-api');
  const nodeLlamaCpp = packageDir('node-llama-cpp');
  const nodeLlamaCppVersion = (JSON.parse(fs.readFileSync(path.join(nodeLlamaCpp, 'package.json'), 'utf8')) as { version: string }).version;
  const release = JSON.parse(fs.readFileSync(path.join(nodeLlamaCpp, 'llama', 'binariesGithubRelease.json'), 'utf8')) as { release: string };
  const sources = fs
    .readdirSync(path.join(nativeDir, 'src'))
    .filter((f) => f.endsWith('.cpp'))
    .sort()
    .map((f) => path.join(nativeDir, 'src', f));
  const cxx = compiler();
  const flags = [
    '-std=c++17',
    '-O2',
    '-fPIC',
    '-fvisibility=hidden',
    '-DNAPI_VERSION=8',
    '-DNAPI_CPP_EXCEPTIONS',
    '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${path.join(llama, 'ggml', 'include')}`,
    `-I${napi}`,
    `-I${addonApi}`,
  ];
  const sourceHash = await hashSources(sources, [cxx, ...flags, bins, nodeLlamaCppVersion, String(prebuild)].join('\n'));
  if (!force && fs.existsSync(output) && fs.existsSync(infoFile)) {
    const previous = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as NativeBuildInfo;
    if (previous.ok && previous.sourceHash === sourceHash) return previous;
  }
  const objectDir = path.join(buildDir, 'obj');
  fs.mkdirSync(objectDir, { recursive: true });
  const done = { ok: true, addonPath: output, nodeLlamaCppVersion, llamaCppRelease: release.release, binariesDir: bins, sourceHash, builtAt: '' };
  if (process.platform === 'win32') {
    await buildWithMsvc({
      cl: cxx,
      sources,
      objectDir,
      output,
      bins,
      includes: [path.join(llama, 'ggml', 'include'), napi, addonApi],
      napiDefDir: path.join(packageDir('node-api-headers'), 'def'),
      run,
      inParallel,
    });
    return { ...done, builtAt: new Date().toISOString() };
  }
  const objects = sources.map((s) => path.join(objectDir, `${path.basename(s, '.cpp')}.o`));
  await inParallel(
    sources.map((source, i) => ({ source, object: objects[i] as string })),
    Math.max(1, Math.min(2, os.availableParallelism())),
    async ({ source, object }) => {
      await run(cxx, [...flags, '-c', source, '-o', object], { maxBuffer: 16 * 1024 * 1024 });
    },
  );
  const rpaths = runtimePaths(bins);
  const linkFlags =
    process.platform === 'darwin'
      ? ['-bundle', '-undefined', 'dynamic_lookup', path.join(bins, 'libggml-base.dylib'), ...rpaths.map((p) => `-Wl,-rpath,@loader_path/${p}`)]
      : ['-shared', `-L${bins}`, '-l:libggml-base.so', '-ldl', ...rpaths.map((p) => `-Wl,-rpath,$ORIGIN/${p}`)];
  const temporary = `${output}.tmp`;
  await run(cxx, [...objects, '-o', temporary, ...linkFlags], { maxBuffer: 16 * 1024 * 1024 });
  fs.renameSync(temporary, output);
  if (prebuild) fs.rmSync(objectDir, { recursive: true, force: true });
  return { ...done, builtAt: new Date().toISOString() };
}

function describe(error: unknown): { error: string; hint: string } {
  if (error instanceof BuildError) return { error: error.message, hint: error.hint };
  const stderr = (error as { stderr?: string }).stderr;
  const message = error instanceof Error ? error.message : String(error);
  return {
    error: stderr !== undefined && stderr.length > 0 ? stderr.slice(0, 4000) : message,
    hint:
      process.platform === 'win32'
        ? 'Install Visual Studio Build Tools (C++ workload) and git, open a "Developer PowerShell" (cl and lib on PATH), then run "npm run build:native".'
        : 'Install a C++17 compiler (g++ or clang++) and git, then run "npm run build:native".',
  };
}

/** Builds (or reuses) the addon and records the outcome in build-info.json. Never throws. */
export async function buildNativeTrainer(options: { force?: boolean } = {}): Promise<NativeBuildInfo> {
  fs.mkdirSync(buildDir, { recursive: true });
  let info: NativeBuildInfo;
  try {
    info = await build(options.force === true);
  } catch (error) {
    info = { ok: false, ...describe(error), builtAt: new Date().toISOString() };
  }
  fs.writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
  return info;
}

if (import.meta.main) {
  const started = Date.now();
  const info = await buildNativeTrainer({ force: process.argv.includes('--force') });
  if (info.ok) {
    console.log(`inflow: native trainer ready (${output}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } else {
    console.warn(`inflow: the native LoRA trainer could not be built; training will be unavailable.\n  ${info.error}\n  ${info.hint}`);
    if (process.argv.includes('--strict')) process.exitCode = 1;
  }
}
