/**
 * Builds the Electron main side for packaging (`npm run dist` runs it after `vite build`):
 *  - dist/electron/**.js: main, the core modules and the trainer worker as ES modules, one output file per
 *    source file (preserveModules), so paths the core computes from import.meta.dirname (resources/,
 *    native/build/, the trainer worker) keep the repository's layout under dist/;
 *  - dist/electron/preload/index.cjs: the preload as one CommonJS file (a sandboxed preload cannot import);
 *  - dist/resources/ and dist/native/build/ (the trainer addon) copied next to them.
 * Packages in node_modules stay external; electron-builder ships them (see electron-builder.yml).
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
    'electron/core/training/trainer-worker': path.join(root, 'electron/core/training/trainer-worker.ts'),
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
const nativeOut = path.join(dist, 'native', 'build');
fs.mkdirSync(nativeOut, { recursive: true });
for (const name of fs.readdirSync(path.join(root, 'native', 'build'))) {
  if (name.endsWith('.node') || name.endsWith('.json')) fs.copyFileSync(path.join(root, 'native', 'build', name), path.join(nativeOut, name));
}
console.log(`Built the Electron main side into ${dist}`);
