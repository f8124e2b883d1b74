import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../electron/core/paths.ts';
import { ensurePrebuiltTrainer } from './prebuilt-trainer.ts';

/**
 * A stand-in for an unpacked Electron distribution (electron-builder's `electronDist` may name such a folder
 * instead of downloading Electron's zip, which these machines cannot). It has the layout electron-builder copies
 * and renames (`electron` → the product's executable, `resources/`, `locales/`); its `electron` is a script that
 * only says what it is, so nothing here pretends to run Electron.
 */
export function makeElectronStandIn(dir: string): string {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary (test/support/packaging.ts)" >&2\nexit 1\n', {
    mode: 0o755,
  });
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), 'stand-in');
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stand-in');
  fs.writeFileSync(path.join(dir, 'version'), '45.5.0');
  return dir;
}

/**
 * Packs the Linux app as `npm run dist` would, with `--linux --dir` and the stand-in Electron: vite build, the
 * prebuilt trainer, scripts/build-electron.ts, electron-builder (its afterPack check included). Returns the
 * `linux-unpacked` folder under `outputDir`. About 20 s on an idle 2-core machine (plus ~40 s for a first trainer
 * prebuild), up to ~2 min under load.
 */
export function packLinuxApp(outputDir: string, standInDir: string): string {
  const node = process.execPath;
  const run = (args: string[]) => execFileSync(node, args, { cwd: repoRoot, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  run([path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error']);
  ensurePrebuiltTrainer();
  run([path.join(repoRoot, 'scripts', 'build-electron.ts')]);
  run([
    path.join(repoRoot, 'node_modules', 'electron-builder', 'cli.js'),
    '--linux',
    '--dir',
    '--x64',
    `-c.electronDist=${makeElectronStandIn(standInDir)}`,
    `-c.directories.output=${outputDir}`,
  ]);
  return path.join(outputDir, 'linux-unpacked');
}
