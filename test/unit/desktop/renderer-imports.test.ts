import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';

// Which modules the renderer may import is a lint rule now (inflow/layers in lint/eslint.config.js, tested in
// test/unit/arch/layer-rules.test.ts); what remains here checks the built bundle.

test(
  'the built renderer bundle contains no require() and no reference to Electron or Node modules',
  { skip: !fs.existsSync(path.join(repoRoot, 'dist', 'renderer', 'index.html')) && 'run `npm run build:renderer` first' },
  () => {
    const assets = path.join(repoRoot, 'dist', 'renderer', 'assets');
    for (const name of fs.readdirSync(assets).filter((file) => file.endsWith('.js'))) {
      const code = fs.readFileSync(path.join(assets, name), 'utf8');
      assert.doesNotMatch(code, /\brequire\(\s*["'](electron|node:[\w/]+|fs|child_process|path)["']\s*\)/, name);
      assert.doesNotMatch(code, /from\s*["'](electron|node:[\w/]+)["']/, name);
    }
  },
);
