import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import type { CliContext } from '../../../electron/cli/command.ts';
import { command as chat } from '../../../electron/cli/commands/chat.ts';
import { command as ask } from '../../../electron/cli/commands/ask.ts';
import { command as adapters } from '../../../electron/cli/commands/adapters.ts';
import { command as evaluate } from '../../../electron/cli/commands/eval.ts';
import { command as knowledge } from '../../../electron/cli/commands/knowledge.ts';
import { loadEvalModels } from '../../../electron/core/eval/eval-models.ts';
import { defaultContextSize, type ModelLoad } from '../../../electron/core/llm/model-loader.ts';
import { openTrainingSession } from '../../../electron/core/training/flow-grpo/cli-session.ts';
import { testLoraPath, testModelPath } from '../../support/test-model.ts';
import { createBackend } from '../../../electron/core/backend.ts';
import { createApi } from '../../../electron/core/api/create-api.ts';
import { DownloadsService } from '../../../electron/core/api/downloads-service.ts';
import { EngineService } from '../../../electron/core/api/engine-service.ts';
import { EventHub } from '../../../electron/core/api/event-hub.ts';
import { ModelsService } from '../../../electron/core/api/models-service.ts';
import { SettingsService } from '../../../electron/core/api/settings-service.ts';
import { agentContextSize, defaults } from '../../../electron/core/contract/defaults.ts';
import { memoryContract } from '../../../electron/core/contract/memory.ts';
import { resolveTrainingConfig } from '../../../electron/core/training/flow-grpo/training-config.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dataDir = tempDir('inflow-defaults-');
const backend = await createBackend({ dataDir });
after(() => backend.close());

test('the planner context: the app and `inflow ask`/`inflow eval` resolve the same default per profile', async () => {
  const settings = new SettingsService(backend.db);
  const events = new EventHub();
  const engine = new EngineService({
    backend,
    settings,
    models: new ModelsService({ modelsDir: backend.paths.models, settings }),
    adapters: backend.adapters,
    downloads: new DownloadsService({ modelsDir: backend.paths.models, events, network: backend.network }),
    events,
    gpu: false,
  });
  try {
    // the app: the Ask screen's models follow the prompt profile in settings
    assert.equal(engine.contextSize(), 8192);
    assert.equal(engine.contextSize(), agentContextSize('structured'));
    settings.update({ profile: 'agentflow' });
    assert.equal(engine.contextSize(), 16384);
    assert.equal(engine.contextSize(), agentContextSize('agentflow'));
    settings.update({ profile: 'structured' });
  } finally {
    await engine.dispose();
  }
  // the CLI: ask's and serve's usage state the defaults they apply, from the same module
  const ask = await runCli(['ask', '--help']);
  assert.match(ask.stdout, new RegExp(`default ${defaults.agentContextSize}; ${defaults.agentflowContextSize} with --profile agentflow`));
  // training keeps its own, smaller context (documented in the same module)
  assert.equal(resolveTrainingConfig().contextSize, defaults.trainingContextSize);
});

test('a long-term memory entry: the app and `inflow memory add` accept and refuse the same lengths', async () => {
  const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  try {
    const longest = 'a'.repeat(defaults.memoryEntryMaxChars);
    const tooLong = `${longest}b`;
    // the app, through the contract's dispatch (what the renderer calls)
    const added = await api.dispatch('memory.add', { content: longest });
    assert.ok(added.ok, JSON.stringify(added));
    assert.equal((added.value as { content: string }).content.length, defaults.memoryEntryMaxChars);
    const refused = await api.dispatch('memory.add', { content: tooLong });
    assert.ok(!refused.ok, 'the app refuses an entry one character too long');
    assert.match(refused.error.code, /INVALID/);
    // ... already at the contract's check, which the renderer's form uses too (it allowed 4000 before)
    assert.equal(memoryContract.add.input.safeParse({ content: tooLong }).success, false);
    assert.equal(memoryContract.update.input.safeParse({ id: 1, content: tooLong }).success, false);
    assert.equal(memoryContract.add.input.safeParse({ content: longest }).success, true);
    // the CLI
    const cliLongest = await runCli(['memory', 'add', longest, '--data-dir', dataDir]);
    assert.equal(cliLongest.code, 0, cliLongest.stderr);
    const cliTooLong = await runCli(['memory', 'add', tooLong, '--data-dir', dataDir]);
    assert.equal(cliTooLong.code, 4, cliTooLong.stderr);
    assert.match(cliTooLong.stderr, new RegExp(`limited to ${defaults.memoryEntryMaxChars} characters`));
  } finally {
    await api.dispose();
  }
});

/** `inflow <command>` run in this process on the test's back end, so that its model loads can be watched. */
async function runInProcess(command: typeof chat, args: string[]): Promise<{ code: number | void; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const err = new PassThrough().on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const context: CliContext = {
    dataDir,
    json: true,
    stdout: out,
    stderr: err,
    signal: new AbortController().signal,
    backend: async () => backend,
    print: (line = '') => {
      out.write(`${line}\n`);
    },
    printJson: (value) => {
      out.write(`${JSON.stringify(value)}\n`);
    },
  };
  const code = await command.run(context, args);
  return { code, stdout, stderr };
}

test('one model loader: the Ask screen, `inflow ask`, `inflow chat`, an evaluation and training load with the same defaults', async () => {
  fs.mkdirSync(backend.paths.models, { recursive: true });
  const tiny = path.join(backend.paths.models, 'tiny.gguf');
  fs.copyFileSync(testModelPath(), tiny);
  const loads: ModelLoad[] = [];
  const unsubscribe = backend.modelLoader.onLoad((load) => loads.push(load));
  const loaded = () =>
    loads
      .splice(0)
      .map(
        (load) =>
          `${load.purpose.use}${'profile' in load.purpose && load.purpose.profile !== undefined ? `/${load.purpose.profile}` : ''} ${load.options.contextSize}`,
      );
  const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  try {
    // the app: the Ask screen's planner, per the prompt profile in settings
    backend.settings.update({ models: { planner: 'tiny.gguf' } });
    assert.equal((await api.engine.agentModels()).models.planner.contextSize, defaults.agentContextSize);
    backend.settings.update({ profile: 'agentflow' });
    assert.equal((await api.engine.agentModels()).models.planner.contextSize, defaults.agentflowContextSize);
    backend.settings.update({ profile: 'structured' });
    await api.engine.release();
    assert.deepEqual(loaded(), [`agent/structured ${defaults.agentContextSize}`, `agent/agentflow ${defaults.agentflowContextSize}`]);

    // the CLI, in this process on the same back end: `inflow ask` and `inflow chat` without --context-size
    const asked = await runInProcess(ask, [
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
    assert.notEqual(asked.code, undefined, asked.stderr);
    assert.deepEqual(loaded(), [`agent/structured ${defaults.agentContextSize}`]);
    const chatted = await runInProcess(chat, ['hello', '--model', tiny, '--cpu', '--threads', '1', '--max-tokens', '2']);
    assert.equal(chatted.code, 0, chatted.stderr);
    assert.deepEqual(loaded(), [`chat ${defaults.modelContextSize}`]);

    // an evaluation (`inflow eval`) and a training run (Training screen and `inflow train` share launch-training.ts)
    const evaluation = await loadEvalModels({ backend, model: tiny, profile: 'agentflow', gpu: false, threads: 1, noJudge: true });
    assert.equal(evaluation.models.planner.contextSize, defaults.agentflowContextSize);
    await evaluation.dispose();
    const session = await openTrainingSession({ backend, modelPath: tiny, gpu: false, threads: 1 });
    assert.equal(session.planner.contextSize, defaults.trainingContextSize);
    await session.close();
    assert.deepEqual(loaded(), [
      `agent/agentflow ${defaults.agentflowContextSize}`,
      `training ${defaults.trainingContextSize}`,
      `training ${defaults.trainingContextSize}`,
    ]);
    assert.equal(defaultContextSize({ use: 'agent' }), agentContextSize('structured'));
  } finally {
    unsubscribe();
    await api.dispose();
  }
});

test('knowledge search: the Knowledge screen and `inflow knowledge search` return the same hits by default, and the asked number', async () => {
  const folder = path.join(dataDir, 'notes');
  fs.mkdirSync(folder, { recursive: true });
  const files = defaults.knowledgeSearchHits + 4; // more matching passages than either front end shows by default
  for (let i = 0; i < files; i++)
    fs.writeFileSync(path.join(folder, `note-${i}.md`), `Compost note ${i}: turn the compost heap every ${i + 2} days in spring.\n`);
  const added = await runInProcess(knowledge, ['add', folder]);
  assert.equal(added.code, undefined, added.stderr);
  const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  try {
    const search = async (limit?: number) => {
      const screen = await api.dispatch('knowledge.search', { query: 'compost heap', ...(limit === undefined ? {} : { limit }) });
      assert.ok(screen.ok, JSON.stringify(screen));
      const cli = await runInProcess(knowledge, ['search', 'compost heap', ...(limit === undefined ? [] : ['--limit', String(limit)])]);
      assert.equal(cli.code, undefined, cli.stderr);
      const hits = (value: unknown) => (value as Array<{ source: string; location: string }>).map((hit) => `${hit.source}#${hit.location}`);
      return { screen: hits(screen.value), cli: hits(JSON.parse(cli.stdout)) };
    };
    // the default: one value (defaults.ts), the same passages in the same order from both front ends
    const byDefault = await search();
    assert.equal(byDefault.screen.length, defaults.knowledgeSearchHits);
    assert.deepEqual(byDefault.cli, byDefault.screen);
    // an explicit choice still counts, on both
    const three = await search(3);
    assert.equal(three.screen.length, 3);
    assert.deepEqual(three.cli, three.screen);
    // the usage states the default it applies
    assert.match(
      (await runCli(['knowledge', '--help'])).stdout,
      new RegExp(`search "QUERY" \\[--limit N\\].*\\(default ${defaults.knowledgeSearchHits}\\)`),
    );
  } finally {
    await api.dispose();
  }
});

test('evaluating an adapter: `inflow eval --adapter` and `inflow adapters eval` load at the same context; the local API chats as `inflow chat`', async () => {
  fs.mkdirSync(backend.paths.models, { recursive: true });
  const tiny = path.join(backend.paths.models, 'tiny.gguf');
  const other = path.join(backend.paths.models, 'other.gguf');
  fs.copyFileSync(testModelPath(), tiny);
  fs.copyFileSync(testModelPath(), other);
  const adapter = backend.adapters.register({ path: testLoraPath(), baseModel: tiny });
  const dataset = backend.datasets.create(
    [
      { question: 'What is 2 + 2?', answer: '4', answerKind: 'numeric' },
      { question: 'What is 3 + 3?', answer: '6', answerKind: 'numeric' },
    ],
    { name: 'sums-for-defaults', heldOutFraction: 0.5 },
  );
  const benchmark = path.join(dataDir, 'one-sum.json');
  fs.writeFileSync(benchmark, JSON.stringify([{ question: 'What is 2 + 2?', answer: 4 }]));
  const loads: ModelLoad[] = [];
  const unsubscribe = backend.modelLoader.onLoad((load) => loads.push(load));
  const loaded = () => loads.splice(0).map((load) => `${load.purpose.use} ${load.options.contextSize}`);
  const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  try {
    // `inflow eval --adapter`: the planner with the adapter and the fixed modules on the base model
    const evaluated = await runInProcess(evaluate, [
      '--benchmark',
      benchmark,
      '--model',
      tiny,
      '--adapter',
      adapter.id,
      '--no-judge',
      '--cpu',
      '--threads',
      '1',
      '--max-steps',
      '1',
    ]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const fromEval = loaded();
    assert.deepEqual(fromEval, [`agent ${defaults.agentContextSize}`, `agent ${defaults.agentContextSize}`]);
    // `inflow adapters eval`: held-out accuracy with the training rollout's agent, loaded by the same rule (it ran
    // at the training context before)
    const heldOut = await runInProcess(adapters, ['eval', adapter.id, '--dataset', dataset.name, '--max-steps', '1', '--threads', '1']);
    assert.equal(heldOut.code, undefined, heldOut.stderr);
    assert.deepEqual(loaded(), fromEval);
    assert.notEqual(defaults.agentContextSize, defaults.trainingContextSize, 'the two rules differ, so this test tells them apart');

    // the local API: a model that is not one of the agent's loads for plain chat, as `inflow chat` does ...
    backend.settings.update({ models: { planner: 'tiny.gguf' } });
    await api.engine.chatModel('other.gguf');
    assert.deepEqual(loaded(), [`chat ${defaults.modelContextSize}`]);
    // ... and one the agent runs in a role is that very model, at the agent's context
    await api.engine.release();
    backend.settings.update({ models: { planner: 'tiny.gguf', executor: 'tiny-role.gguf' } });
    fs.copyFileSync(testModelPath(), path.join(backend.paths.models, 'tiny-role.gguf'));
    const { models } = await api.engine.agentModels();
    assert.deepEqual(loaded(), [`agent ${defaults.agentContextSize}`, `agent ${defaults.agentContextSize}`]);
    assert.equal(await api.engine.chatModel('tiny-role.gguf'), models.executor);
    assert.deepEqual(loaded(), []);
  } finally {
    unsubscribe();
    await api.dispose();
  }
});
