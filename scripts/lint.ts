/**
 * `npm run lint`: ESLint with typescript-eslint and the layer rules of lint/eslint.config.js (see ARCHITECTURE.md).
 * The lint toolchain lives in lint/ with its own package.json and lockfile, because typescript-eslint parses with
 * TypeScript 5 and the project type-checks with the native TypeScript 7: it is installed there on first use
 * (`npm ci --prefix lint`, from the npm registry) and whenever its lockfile changes. Extra arguments go to ESLint
 * (e.g. `npm run lint -- --fix`, or a file list).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const lintDir = path.join(root, 'lint');
const eslint = path.join(lintDir, 'node_modules', 'eslint', 'bin', 'eslint.js');
const installedLock = path.join(lintDir, 'node_modules', '.package-lock.json');
const lock = path.join(lintDir, 'package-lock.json');

const stale = !fs.existsSync(eslint) || !fs.existsSync(installedLock) || fs.statSync(installedLock).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  process.stderr.write('lint: installing the lint toolchain into lint/node_modules (npm ci --prefix lint)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['ci', '--prefix', lintDir, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const started = performance.now();
const args = process.argv.slice(2);
const result = spawnSync(process.execPath, [
  eslint, '--config', path.join(lintDir, 'eslint.config.js'), '--cache', '--cache-location', path.join(lintDir, 'node_modules', '.eslintcache'),
  '--max-warnings', '0', ...(args.length === 0 ? ['.'] : args),
], { cwd: root, stdio: 'inherit' });
if (result.status === 0) process.stderr.write(`lint: clean in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(result.status ?? 1);
