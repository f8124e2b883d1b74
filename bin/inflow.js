#!/usr/bin/env node
// Launcher for `inflow`: runs the TypeScript CLI on Node 24 (the project's `node` dev dependency when the
// system Node is older), passing arguments, stdio and the exit code through.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'electron', 'cli', 'index.ts');
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  const { main } = await import(new URL('../electron/cli/index.ts', import.meta.url).href);
  process.exitCode = await main(process.argv.slice(2));
} else {
  const bundled = path.join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(bundled)) {
    console.error(`inflow needs Node.js 24 or newer (this is ${process.version}); run "npm install" in ${root} first.`);
    process.exit(1);
  }
  const result = spawnSync(bundled, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
