/**
 * Builds the Electron main side for packaging (`npm run dist` runs it after `vite build`):
 *  - dist/electron/**.js: main, the core modules and the trainer worker as ES modules, one output file per
 *    source file (preserveModules), so paths the core computes from import.meta.dirname (resources/,
 *    native/build/, the trainer worker) keep the repository's layout under dist/;
 *  - dist/electron/preload/index.cjs: the preload as one CommonJS file (a sandboxed preload cannot import);
 *  - dist/resources/ and the trainer addon's prebuilt binary, dist/native/prebuilds/<platform>-<arch>/, copied next
 *    to them (the packaged app never compiles: it loads that binary, see native-addon-location.ts).
 * Packages in node_modules stay external; electron-builder ships them (see electron-builder.yml).
 * Imports: node built-ins and `rolldown` (a devDependency). It needs the prebuilt trainer for this platform, made by
 * `npm run build:native -- --prebuild` (or downloaded by the release workflow); without it, it stops and says so.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build } from 'rolldown';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const external = (id: string) => id === 'electron' || builtins.has(id) || (!id.startsWith('.') && !path.isAbsolute(id) && !id.startsWith('\0'));

fs.rmSync(path.join(dist, 'electron'), { recursive: true, force: true });
await build({
  input: {
    'electron/main/index': path.join(root, 'electron/main/index.ts'),
    'electron/core/training/trainer-worker': path.join(root, 'electron/core/training/trainer/trainer-worker.ts'),
    'electron/core/tools/python/sandbox-process': path.join(root, 'electron/core/tools/python/sandbox-process.ts'),
    'electron/core/llm/model-probe-child': path.join(root, 'electron/core/llm/model-probe-child.ts'),
  },
  platform: 'node',
  external,
  output: { dir: dist, format: 'esm', preserveModules: true, preserveModulesRoot: root, entryFileNames: '[name].js' },
});
await build({
  input: path.join(root, 'electron/preload/index.ts'),
  platform: 'node',
  external: ['electron'],
  output: { file: path.join(dist, 'electron/preload/index.cjs'), format: 'cjs' },
});
fs.cpSync(path.join(root, 'resources'), path.join(dist, 'resources'), { recursive: true });
const prebuild = `${process.platform}-${process.arch}`;
// INFLOW_PREBUILDS_DIR: another prebuilds/ folder (e.g. the release workflow's downloaded artifacts)
const prebuiltDir = path.join(path.resolve(process.env.INFLOW_PREBUILDS_DIR ?? path.join(root, 'native', 'prebuilds')), prebuild);
const info = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(prebuiltDir, 'build-info.json'), 'utf8')) as { ok?: boolean; error?: string };
  } catch {
    return undefined;
  }
})();
if (info?.ok !== true || !fs.existsSync(path.join(prebuiltDir, 'inflow-trainer.node'))) {
  console.error(
    [
      `The prebuilt trainer addon for ${prebuild} is missing from ${prebuiltDir}${info?.error === undefined ? '' : ` (its build failed: ${info.error.split('\n')[0]})`}.`,
      'A packaged app never compiles, so it must carry a prebuilt binary. Make one with',
      '  npm run build:native -- --prebuild',
      "(a C++17 compiler: g++/clang++, or MSVC on Windows), or put the release workflow's prebuilds/ artifact there.",
    ].join('\n'),
  );
  process.exit(1);
}
const nativeOut = path.join(dist, 'native', 'prebuilds', prebuild);
fs.rmSync(path.join(dist, 'native'), { recursive: true, force: true });
fs.mkdirSync(nativeOut, { recursive: true });
for (const name of ['inflow-trainer.node', 'build-info.json']) fs.copyFileSync(path.join(prebuiltDir, name), path.join(nativeOut, name));
console.log(`Built the Electron main side into ${dist}`);
