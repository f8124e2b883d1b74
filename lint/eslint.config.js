import path from 'node:path';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './layers.js';
import { sqlOwnersPlugin } from './sql-owners.js';

const root = path.resolve(import.meta.dirname, '..');

/** The layers of ARCHITECTURE.md; the first layer whose folder holds a file is its layer. */
const layers = [
  { name: 'contract', folders: ['electron/core/contract'], mayImport: [], packages: ['zod'] },
  {
    name: 'core entry', // what the desktop main process may reach: the API, the back end, errors, paths, the trainer host
    folders: [
      'electron/core/api',
      'electron/core/backend.ts',
      'electron/core/errors.ts',
      'electron/core/paths.ts',
      'electron/core/training/trainer/trainer-process.ts',
      'electron/core/training/trainer/trainer-protocol.ts',
    ],
    mayImport: ['core', 'contract'],
    packages: 'any',
    forbidPackages: ['electron', 'react', 'react-dom'],
    node: true,
  },
  {
    name: 'core',
    folders: ['electron/core'],
    mayImport: ['core entry', 'contract'],
    packages: 'any',
    forbidPackages: ['electron', 'react', 'react-dom'],
    node: true,
  },
  { name: 'main', folders: ['electron/main'], mayImport: ['core entry', 'contract'], packages: ['electron'], node: true },
  { name: 'preload', folders: ['electron/preload'], mayImport: ['contract'], packages: ['electron'] },
  { name: 'renderer', folders: ['renderer/src'], mayImport: ['contract'], packages: ['react', 'react-dom', 'zod'] },
  {
    name: 'cli',
    folders: ['electron/cli'],
    mayImport: ['core', 'core entry', 'contract'],
    packages: 'any',
    forbidPackages: ['electron', 'react', 'react-dom'],
    node: true,
  },
];

/** One owner per table: the store modules that may run SQL, with the tables each one writes ('*': the schema). */
const sqlOwners = {
  'electron/core/store/database.ts': '*',
  'electron/core/store/migrations/': '*',
  'electron/core/store/run-store.ts': ['tasks', 'runs', 'steps', 'module_calls'],
  'electron/core/store/reward-store.ts': ['rewards', 'feedback'],
  'electron/core/store/run-history.ts': [],
  'electron/core/store/settings-store.ts': ['settings'],
  'electron/core/training/training-store.ts': ['training_runs', 'training_steps', 'training_checkpoints', 'rollout_groups', 'turn_samples'],
  'electron/core/datasets/dataset-store.ts': ['datasets', 'dataset_items'],
  'electron/core/eval/eval-store.ts': ['evaluations', 'eval_items'],
  'electron/core/adapters/adapter-registry.ts': ['adapters', 'adapter_events'],
  'electron/core/knowledge/knowledge-index.ts': ['knowledge_sources', 'knowledge_documents', 'knowledge_passages'],
  'electron/core/memory/long-term-memory.ts': ['memory_entries'],
  'electron/core/net/egress-log.ts': ['egress'],
};

/**
 * One model loader (ARCHITECTURE.md): outside these files a model is loaded for inference only through the back end's
 * `modelLoader` (electron/core/llm/model-loader.ts), so every front end gets the same file for `--model` and the same
 * context defaults (contract/defaults.ts).
 */
const modelLoaders = [
  'electron/core/llm/model-loader.ts',
  'electron/core/llm/engine.ts',
  'electron/core/llm/model-probe-child.ts',
  'electron/core/training/flow-grpo/engine-planner.ts',
];
const viaModelLoader =
  "through the back end's model loader (backend.modelLoader, electron/core/llm/model-loader.ts), which gives every front end the same defaults";
/** One knowledge index (ARCHITECTURE.md): front ends and services reach it through `backend.knowledge(embedder)`. */
const knowledgeIndexMakers = ['electron/core/backend.ts', 'electron/core/knowledge/**'];
const knowledgeIndexing = [
  {
    selector: "NewExpression[callee.name='KnowledgeIndex']",
    message: 'Reach the knowledge index through the back end (backend.knowledge(embedder), electron/core/backend.ts).',
  },
];
const modelLoading = [
  { selector: "CallExpression[callee.property.name='loadModel']", message: `Load models ${viaModelLoader}.` },
  {
    selector: "CallExpression[callee.object.name='EnginePlanner'][callee.property.name='load']",
    message: `Load the planner ${viaModelLoader} (loadPlanner).`,
  },
];

/**
 * ESLint's own correctness rules the code keeps (its `recommended` set plus a few): each one catches a real bug.
 * Left out on purpose: no-control-regex (the scorers strip control characters on purpose), eqeqeq (`== null`
 * is used for null-or-undefined), no-promise-executor-return (`new Promise((r) => setTimeout(r, ms))`),
 * no-template-curly-in-string (the verl config, the release workflow and electron-builder's file macros are written
 * as plain strings holding `${...}` on purpose).
 */
const correctness = [
  'constructor-super',
  'for-direction',
  'getter-return',
  'no-async-promise-executor',
  'no-case-declarations',
  'no-class-assign',
  'no-compare-neg-zero',
  'no-cond-assign',
  'no-const-assign',
  'no-constant-binary-expression',
  'no-constant-condition',
  'no-debugger',
  'no-delete-var',
  'no-dupe-else-if',
  'no-duplicate-case',
  'no-empty',
  'no-empty-character-class',
  'no-empty-pattern',
  'no-ex-assign',
  'no-fallthrough',
  'no-func-assign',
  'no-global-assign',
  'no-import-assign',
  'no-invalid-regexp',
  'no-irregular-whitespace',
  'no-loss-of-precision',
  'no-misleading-character-class',
  'no-nonoctal-decimal-escape',
  'no-octal',
  'no-prototype-builtins',
  'no-regex-spaces',
  'no-self-assign',
  'no-self-compare',
  'no-shadow-restricted-names',
  'no-sparse-arrays',
  'no-unexpected-multiline',
  'no-unreachable',
  'no-unsafe-finally',
  'no-unsafe-negation',
  'no-unsafe-optional-chaining',
  'no-unused-labels',
  'no-useless-backreference',
  'no-useless-catch',
  'no-useless-escape',
  'no-var',
  'no-with',
  'prefer-const',
  'require-yield',
  'use-isnan',
  'valid-typeof',
  'no-new-wrappers',
  'no-throw-literal',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'release/**', '.cache/**', 'native/build/**', 'lint/**', 'test-output/**', 'renderer/public/**'] },
  {
    basePath: root,
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { inflow: { ...layersPlugin, rules: { ...layersPlugin.rules, ...sqlOwnersPlugin.rules } }, '@typescript-eslint': tseslint.plugin },
    extends: [tseslint.configs.recommended],
    rules: {
      'inflow/layers': ['error', { root, layers }],
      'inflow/sql-owners': ['error', { root, scope: ['electron'], owners: sqlOwners }],
      ...Object.fromEntries(correctness.map((rule) => [rule, 'error'])),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  // one no-restricted-syntax setting per file (a later block replaces an earlier one's list): both rules, or the one
  // a file is not the owner of
  {
    basePath: root,
    files: ['electron/**/*.ts'],
    ignores: [...modelLoaders, ...knowledgeIndexMakers],
    rules: { 'no-restricted-syntax': ['error', ...modelLoading, ...knowledgeIndexing] },
  },
  { basePath: root, files: modelLoaders, rules: { 'no-restricted-syntax': ['error', ...knowledgeIndexing] } },
  { basePath: root, files: knowledgeIndexMakers, rules: { 'no-restricted-syntax': ['error', ...modelLoading] } },
);
