import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { createApi } from '../../../electron/core/api/create-api.ts';
import { McpService } from '../../../electron/core/api/mcp-service.ts';
import { createBackend } from '../../../electron/core/backend.ts';
import { runCli } from '../../support/run-cli.ts';
import { testLoraPath, testModelPath } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';

/** One path from each front end to each service: the CLI and the app ask the same stores, with the same filters. */
const dataDir = tempDir('inflow-one-path-');
const backend = await createBackend({ dataDir });
after(() => backend.close());

test('`inflow runs list` and the Runs screen list the same runs for the same filter (one query)', async () => {
  const questions = ['What is 50% of 10?', 'Capital of France?', 'What is 100% of 3?', 'Tallest mountain?'];
  for (const [i, question] of questions.entries()) {
    const task = backend.runs.createTask({ question });
    const run = backend.runs.startRun({ taskId: task.id, kind: i === 3 ? 'eval' : 'ask' });
    backend.runs.endRun(run.id, { stopReason: 'answered', answer: `answer ${i}` });
  }
  const api = createApi({ backend, gpu: false, startLocalApi: false });
  try {
    const filters: Array<{ app: { search: string } | { kind: 'ask' }; cli: string[] }> = [
      { app: { search: '%' }, cli: ['--search', '%'] },
      { app: { kind: 'ask' }, cli: ['--kind', 'ask'] },
      { app: { search: 'capital' }, cli: ['--search', 'capital'] },
    ];
    for (const filter of filters) {
      const app = (await api.service.runs.list({ ...filter.app, limit: 20 })).map((run) => run.id);
      const args = ['--data-dir', dataDir, '--json', 'runs', 'list', '--limit', '20', ...filter.cli];
      const cli = await runCli(args);
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(
        (JSON.parse(cli.stdout) as Array<{ id: string }>).map((run) => run.id),
        app,
        JSON.stringify(filter),
      );
      assert.ok(app.length > 0);
    }
    // a literal % is a character to find, not a wildcard, in both
    assert.equal((await api.service.runs.list({ search: '%' })).length, 2);
  } finally {
    await api.dispose();
  }
});

test("the app's MCP screen, the agent's tools and the CLI use the back end's one MCP manager", () => {
  assert.equal(new McpService({ backend }).manager, backend.mcp);
});

test("`inflow ask` runs through the Ask screen's service: recorded like an app run (source, tools, limits from settings)", async () => {
  backend.settings.update({ limits: { maxSteps: 2, maxWallSeconds: 120, maxTokens: 20_000 } });
  const cli = await runCli([
    '--data-dir',
    dataDir,
    '--json',
    'ask',
    'What is 2 + 3?',
    '--model',
    testModelPath(),
    '--cpu',
    '--threads',
    '1',
    '--context-size',
    '512',
    '--tools',
    'python',
    '--seed',
    '7',
  ]);
  assert.ok(cli.code === 0 || cli.code === 1, cli.stderr);
  const { runId } = JSON.parse(cli.stdout) as { runId: string };
  const stored = backend.runs.getRun(runId)!;
  // AskService records where a run came from and which planner; the limits are the settings' (no flag given)
  assert.equal(stored.config.source, 'cli');
  assert.equal(stored.config.plannerModel, stored.plannerModel);
  assert.deepEqual(stored.config.tools, ['Python_Code_Generator_Tool']);
  const limits = stored.config.limits as { maxSteps: number; maxTimeMs: number; maxTokens: number };
  assert.deepEqual(
    { maxSteps: limits.maxSteps, maxTimeMs: limits.maxTimeMs, maxTokens: limits.maxTokens },
    { maxSteps: 2, maxTimeMs: 120_000, maxTokens: 20_000 },
  );
  assert.equal(stored.config.seed, 7);
});

test('a dataset file: the Training screen and `inflow datasets import` store the same dataset and leave out the same items', async () => {
  const file = path.join(tempDir('inflow-one-path-data-'), 'g24.jsonl');
  fs.writeFileSync(
    file,
    [
      { question: 'Using the numbers [1, 2, 3, 4], make 24.', answer: '1*2*3*4', answer_kind: 'gameof24' },
      { question: 'Make 24 from the card.', answer: '?', answer_kind: 'gameof24' },
      { question: 'Using the numbers [2, 3, 4, 6], make 24.', answer: '(6-2)*(4+3-1)', answer_kind: 'gameof24' },
      { question: 'What is 6 * 7?', answer: '42' },
    ]
      .map((item) => JSON.stringify(item))
      .join('\n'),
  );
  const api = createApi({ backend, gpu: false, startLocalApi: false });
  try {
    const app = await api.service.training.importDataset({ path: file, heldoutFraction: 0.25, skipUnscorable: true });
    const cliDir = tempDir('inflow-one-path-cli-');
    const cli = await runCli(['--data-dir', cliDir, '--json', 'datasets', 'import', file, '--heldout', '0.25', '--skip-unscorable']);
    assert.equal(cli.code, 0, cli.stderr);
    const stored = JSON.parse(cli.stdout) as { name: string; source: string; counts: { train: number; heldout: number } };
    // the same name (after the file), source, split and left-out item
    assert.deepEqual(
      { name: stored.name, source: stored.source, train: stored.counts.train, heldout: stored.counts.heldout },
      { name: app.name, source: app.source, train: app.trainItems, heldout: app.heldoutItems },
    );
    assert.equal(app.name, 'g24');
    assert.equal(app.trainItems + app.heldoutItems, 3);
    assert.deepEqual(
      app.leftOut.map((line) => line.replace(/:.*/s, '')),
      ['line 2'],
    );
    assert.match(cli.stderr, /Left out .*line 2 \("Make 24 from the card\."\)/);
    const other = await createBackend({ dataDir: cliDir });
    try {
      const items = (store: typeof backend.datasets, name: string) =>
        store.items(store.get(name).id).map((item) => `${item.split} ${item.question} ${JSON.stringify(item.answer)} ${item.answerKind}`);
      assert.deepEqual(items(other.datasets, 'g24'), items(backend.datasets, 'g24'));
    } finally {
      await other.close();
    }
  } finally {
    await api.dispose();
  }
});

test('a promoted adapter whose file is gone: the Ask screen and `inflow ask` both run the bare planner and record no adapter', async () => {
  fs.mkdirSync(backend.paths.models, { recursive: true });
  const tiny = path.join(backend.paths.models, 'tiny.gguf');
  fs.copyFileSync(testModelPath(), tiny);
  const adapterFile = path.join(tempDir('inflow-one-path-adapter-'), 'planner-v1.gguf');
  fs.copyFileSync(testLoraPath(), adapterFile);
  backend.adapters.promote(backend.adapters.register({ path: adapterFile, baseModel: tiny }).id);
  fs.rmSync(adapterFile);
  backend.settings.update({ models: { planner: 'tiny.gguf' } });
  const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  try {
    const app = await api.engine.agentModels();
    assert.equal(app.adapterId, null);
    assert.equal(app.models.planner.adapterId, null);
    await api.engine.release();
    const cli = await runCli([
      '--data-dir',
      dataDir,
      '--json',
      'ask',
      'What is 2 + 3?',
      '--model',
      tiny,
      '--cpu',
      '--threads',
      '1',
      '--tools',
      'generalist',
      '--no-mcp',
      '--max-steps',
      '1',
      '--max-tokens',
      '64',
    ]);
    assert.ok(cli.code === 0 || cli.code === 1, `${cli.code} ${cli.stderr}`);
    assert.match(cli.stderr, /the promoted adapter v1 is gone \(.*planner-v1\.gguf\); the planner runs without it/);
    const { runId } = JSON.parse(cli.stdout) as { runId: string };
    const detail = await api.service.runs.get({ runId });
    assert.equal(detail.config.adapterId, null);
    assert.ok(
      detail.calls.length > 0 && detail.calls.every((call) => call.adapterId === null),
      JSON.stringify(detail.calls.map((call) => call.adapterId)),
    );
  } finally {
    await api.dispose();
  }
});
