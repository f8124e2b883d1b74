/**
 * The lint toolchain (ESLint with typescript-eslint, Prettier) lives in lint/ with its own package.json and lockfile,
 * because typescript-eslint parses with TypeScript 5 and the project type-checks with the native TypeScript 7. It is
 * installed there on first use (`npm ci --prefix lint`, from the npm registry) and whenever its lockfile changes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');
export const lintDir = path.join(root, 'lint');

/** Installs lint/node_modules when missing or older than lint/package-lock.json; exits with npm's code on failure. */
export function ensureLintToolchain(): void {
  const installedLock = path.join(lintDir, 'node_modules', '.package-lock.json');
  const lock = path.join(lintDir, 'package-lock.json');
  const markers = [
    path.join(lintDir, 'node_modules', 'eslint', 'bin', 'eslint.js'),
    path.join(lintDir, 'node_modules', 'prettier', 'bin', 'prettier.cjs'),
  ];
  const stale =
    markers.some((file) => !fs.existsSync(file)) || !fs.existsSync(installedLock) || fs.statSync(installedLock).mtimeMs < fs.statSync(lock).mtimeMs;
  if (!stale) return;
  process.stderr.write('lint: installing the lint toolchain into lint/node_modules (npm ci --prefix lint)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['ci', '--prefix', lintDir, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
