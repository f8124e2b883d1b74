import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { lintMissing as missing, ruleLinter, type RuleLinter } from '../../support/project-lint.ts';

/**
 * The layer rules of ARCHITECTURE.md are enforced by ESLint (lint/eslint.config.js, rule inflow/layers). These
 * tests run that very configuration: the real tree passes, and each forbidden import is reported.
 */
const linter = () => ruleLinter('inflow/layers');
const layerErrors = (eslint: RuleLinter, file: string, code: string) => eslint.text(file, code);

test('the front ends, the contract and the back end keep their layers (lint on the real tree)', { skip: missing }, async () => {
  const eslint = await linter();
  const { problems, files } = await eslint.tree(['renderer/src', 'electron']);
  assert.deepEqual(problems, []);
  assert.ok(
    files.some((f) => f.startsWith('renderer/src/')) && files.some((f) => f.startsWith(path.join('electron', 'core', 'contract'))),
    'renderer and contract were linted',
  );
  assert.ok(files.length > 200, `linted ${files.length} files`);
});

test('the renderer imports only React, zod, its own files and the contract: never Node, Electron or the back end', { skip: missing }, async () => {
  const eslint = await linter();
  assert.deepEqual(
    await layerErrors(
      eslint,
      'renderer/src/x.tsx',
      "import { useState } from 'react';\nimport { createRoot } from 'react-dom/client';\nimport { z } from 'zod';\nimport type { Api } from '../../electron/core/contract/index.ts';\nimport { App } from './app/App.tsx';\n",
    ),
    [],
  );
  const errors = await layerErrors(
    eslint,
    'renderer/src/x.tsx',
    [
      "import fs from 'node:fs';",
      "import { ipcRenderer } from 'electron';",
      "import { runAgent } from '../../electron/core/agent/run-agent.ts';",
      "import lodash from 'lodash';",
      "const m = await import('../../electron/main/window.ts');",
      "export * from '../../electron/core/store/database.ts';",
    ].join('\n'),
  );
  assert.equal(errors.length, 6, errors.join('\n'));
  assert.match(errors[0]!, /renderer may not import Node's node:fs/);
  assert.match(errors[1]!, /renderer may not import the package electron/);
  assert.match(errors[2]!, /renderer may not import core .*may import: renderer, contract/);
  assert.match(errors[3]!, /package lodash/);
  assert.match(errors[4]!, /renderer may not import main/);
});

test('the contract imports only zod and itself; the back end never imports Electron, React or a front end', { skip: missing }, async () => {
  const eslint = await linter();
  const contract = await layerErrors(
    eslint,
    'electron/core/contract/x.ts',
    "import { z } from 'zod';\nimport fs from 'node:fs';\nimport { openDatabase } from '../store/database.ts';\n",
  );
  assert.equal(contract.length, 2, contract.join('\n'));
  assert.match(contract[0]!, /contract may not import Node's node:fs/);
  assert.match(contract[1]!, /contract may not import core/);
  const core = await layerErrors(
    eslint,
    'electron/core/agent/x.ts',
    [
      "import fs from 'node:fs';",
      "import { getLlama } from 'node-llama-cpp';",
      "import { app } from 'electron';",
      "import React from 'react';",
      "import { main } from '../../cli/index.ts';",
      "import { createWindow } from '../../main/window.ts';",
      "import { x } from '../../../renderer/src/main.tsx';",
      "import { tempDir } from '../../../test/support/temp-dir.ts';",
      "const electron = require('electron');",
    ].join('\n'),
  );
  assert.equal(core.length, 7, core.join('\n'));
  assert.match(core[0]!, /core may not import the package electron/);
  assert.match(core[2]!, /core may not import cli/);
  assert.match(core[3]!, /core may not import main/);
  assert.match(core[4]!, /core may not import renderer/);
  assert.match(core[5]!, /outside every layer/);
});

test(
  'main and preload stay thin: main reaches the back end only through its entry (API, back end, errors, paths, trainer host)',
  { skip: missing },
  async () => {
    const eslint = await linter();
    assert.deepEqual(
      await layerErrors(
        eslint,
        'electron/main/x.ts',
        "import { app } from 'electron';\nimport path from 'node:path';\nimport { createApi } from '../core/api/create-api.ts';\nimport { createBackend } from '../core/backend.ts';\n",
      ),
      [],
    );
    const main = await layerErrors(
      eslint,
      'electron/main/x.ts',
      "import { runAgent } from '../core/agent/run-agent.ts';\nimport { openDatabase } from '../core/store/database.ts';\nimport Database from 'better-sqlite3';\n",
    );
    assert.equal(main.length, 3, main.join('\n'));
    assert.match(main[0]!, /main may not import core .*may import: main, core entry, contract/);
    const preload = await layerErrors(
      eslint,
      'electron/preload/x.ts',
      "import { contextBridge } from 'electron';\nimport { methods } from '../core/contract/index.ts';\nimport fs from 'node:fs';\nimport { createApi } from '../core/api/create-api.ts';\n",
    );
    assert.equal(preload.length, 2, preload.join('\n'));
    assert.match(preload[0]!, /preload may not import Node's node:fs/);
    assert.match(preload[1]!, /preload may not import core entry/);
  },
);

test('tests and scripts may import anything', { skip: missing }, async () => {
  const eslint = await linter();
  assert.deepEqual(
    await layerErrors(
      eslint,
      'test/unit/x.test.ts',
      "import { app } from 'electron';\nimport { runAgent } from '../../electron/core/agent/run-agent.ts';\nimport { App } from '../../renderer/src/app/App.tsx';\n",
    ),
    [],
  );
});
