/**
 * `npm run lint`: ESLint with typescript-eslint and the layer and table-owner rules of lint/eslint.config.js (see
 * ARCHITECTURE.md), from the lint toolchain in lint/ (scripts/lint-toolchain.ts installs it on first use). Extra
 * arguments go to ESLint (e.g. `npm run lint -- --fix`, or a file list).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureLintToolchain, lintDir, root } from './lint-toolchain.ts';

ensureLintToolchain();
const eslint = path.join(lintDir, 'node_modules', 'eslint', 'bin', 'eslint.js');
const started = performance.now();
const args = process.argv.slice(2);
const result = spawnSync(
  process.execPath,
  [
    eslint,
    '--config',
    path.join(lintDir, 'eslint.config.js'),
    '--cache',
    '--cache-location',
    path.join(lintDir, 'node_modules', '.eslintcache'),
    '--max-warnings',
    '0',
    ...(args.length === 0 ? ['.'] : args),
  ],
  { cwd: root, stdio: 'inherit' },
);
if (result.status === 0) process.stderr.write(`lint: clean in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(result.status ?? 1);
