import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintMissing, ruleLinter } from '../../support/project-lint.ts';

/**
 * One model loader (ARCHITECTURE.md): the product loads a model for inference only through the back end's
 * `modelLoader`, enforced by ESLint (lint/eslint.config.js, `no-restricted-syntax` with the model-loading selectors).
 */
test("every model the product loads goes through the back end's model loader (lint on the real tree)", { skip: lintMissing }, async () => {
  const { problems, files } = await (await ruleLinter('no-restricted-syntax')).tree(['electron']);
  assert.deepEqual(problems, []);
  assert.ok(files.length > 150, `linted ${files.length} files`);
});

test('a front end or service loading a model itself is reported; the loader, tests and scripts are not', { skip: lintMissing }, async () => {
  const lint = await ruleLinter('no-restricted-syntax');
  const code =
    "const model = await engine.loadModel({ path: 'm.gguf', contextSize: 8192 });\nconst planner = await EnginePlanner.load(engine, { path: 'm.gguf' });\n";
  for (const file of ['electron/cli/commands/x.ts', 'electron/core/eval/x.ts', 'electron/core/api/x.ts']) {
    const errors = await lint.text(file, code);
    assert.equal(errors.length, 2, `${file}: ${errors.join('\n')}`);
    assert.match(errors[0]!, /Load models through the back end's model loader \(backend\.modelLoader/);
    assert.match(errors[1]!, /Load the planner through the back end's model loader .*loadPlanner/);
  }
  assert.deepEqual(await lint.text('electron/core/llm/model-loader.ts', code), []);
  assert.deepEqual(await lint.text('test/unit/x.test.ts', code), []);
  assert.deepEqual(await lint.text('scripts/x.ts', code), []);
});

test(
  'a front end or service making its own knowledge index is reported; the back end and the knowledge module are not',
  { skip: lintMissing },
  async () => {
    const lint = await ruleLinter('no-restricted-syntax');
    const code = 'const index = new KnowledgeIndex(backend.db, { embedder });\n';
    for (const file of ['electron/cli/commands/x.ts', 'electron/core/api/x.ts', 'electron/core/llm/model-loader.ts']) {
      const errors = await lint.text(file, code);
      assert.equal(errors.length, 1, `${file}: ${errors.join('\n')}`);
      assert.match(errors[0]!, /Reach the knowledge index through the back end \(backend\.knowledge\(embedder\)/);
    }
    assert.deepEqual(await lint.text('electron/core/backend.ts', code), []);
    assert.deepEqual(await lint.text('electron/core/knowledge/x.ts', code), []);
    assert.deepEqual(await lint.text('test/unit/x.test.ts', code), []);
    // the back end's own file still may not load a model itself
    assert.equal((await lint.text('electron/core/backend.ts', "await engine.loadModel({ path: 'm.gguf' });\n")).length, 1);
  },
);
