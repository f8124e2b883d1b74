/**
 * `npm run format` (rewrite) and `npm run format:check` (list what is not formatted, exit 1): Prettier with
 * lint/prettier.config.js over the TypeScript and JavaScript sources (lint/.prettierignore lists what it leaves
 * alone). The toolchain lives in lint/ beside ESLint (scripts/lint-toolchain.ts). Extra arguments replace the default
 * file set, e.g. `npm run format -- electron/core/store`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureLintToolchain, lintDir, root } from './lint-toolchain.ts';

const [mode, ...rest] = process.argv.slice(2);
if (mode !== '--write' && mode !== '--check') {
  process.stderr.write('Usage: node scripts/format.ts --write|--check [paths...]\n');
  process.exit(2);
}
ensureLintToolchain();
const prettier = path.join(lintDir, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
const files = rest.length > 0 ? rest : ['**/*.{ts,tsx,js,mjs,cjs}'];
const result = spawnSync(
  process.execPath,
  [
    prettier,
    mode,
    '--config',
    path.join(lintDir, 'prettier.config.js'),
    '--ignore-path',
    path.join(lintDir, '.prettierignore'),
    '--log-level',
    'warn',
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
