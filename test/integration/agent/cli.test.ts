import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../support/temp-dir.ts';
import { testLoraPath, testModelPath } from '../../support/test-model.ts';

import { main } from '../../../electron/cli/index.ts';

/** Runs the CLI in this process (as bin/inflow.js does), capturing what it writes. */
async function inflow(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const originalOut = process.stdout.write;
  const originalErr = process.stderr.write;
  // The CLI writes strings; the test runner's own reports (binary) pass through untouched.
  const capture = (sink: string[], original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk === 'string') {
        sink.push(chunk);
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out, originalOut, process.stdout);
  process.stderr.write = capture(err, originalErr, process.stderr);
  try {
    const code = await main([...args, '--data-dir', dataDir]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
  }
}

/** `inflow ask` options of these tests: the test model on one CPU thread, one step, a fixed seed. */
const askOptions = (model: string, tools = 'generalist') =>
  ['--model', model, '--cpu', '--threads', '1', '--tools', tools, '--max-steps', '1', '--context-size', '4096', '--seed', '3'] as const;

test('inflow knowledge add, search, list and rm', async () => {
  const dir = tempDir();
  const docs = path.join(dir, 'docs');
  fs.mkdirSync(docs);
  fs.writeFileSync(path.join(docs, 'plan.md'), '# Plan\n\nThe garden budget is 4200 euros.\n');
  const data = path.join(dir, 'data');
  assert.match((await inflow(data, 'knowledge', 'add', docs)).stdout, /1 added/);
  const hits = JSON.parse((await inflow(data, 'knowledge', 'search', 'garden budget', '--json')).stdout) as Array<{
    source: string;
    location: string;
  }>;
  assert.equal(hits[0]!.source, path.join(docs, 'plan.md'));
  assert.equal(hits[0]!.location, 'lines 1-4');
  assert.match((await inflow(data, 'knowledge', 'list')).stdout, /folder\s+1 docs\s+1 passages/);
  const missing = await inflow(data, 'knowledge', 'add', path.join(dir, 'nope'));
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /does not exist/);
  assert.equal((await inflow(data, 'knowledge', 'rm', docs)).code, 0);
  assert.match((await inflow(data, 'knowledge', 'list')).stdout, /Nothing indexed yet/);
});

test('inflow memory add, list, edit, rm', async () => {
  const data = path.join(tempDir(), 'data');
  const added = JSON.parse((await inflow(data, 'memory', 'add', 'I live in Lyon', '--json')).stdout) as { id: number };
  await inflow(data, 'memory', 'add', 'Use metric units', '--kind', 'preference');
  assert.match((await inflow(data, 'memory', 'edit', String(added.id), 'I live in Grenoble')).stdout, /Changed .*Grenoble/);
  assert.match(
    (await inflow(data, 'memory', 'list')).stdout,
    /preference\s+Use metric units[\s\S]*fact\s+I live in Grenoble|fact\s+I live in Grenoble[\s\S]*preference/,
  );
  assert.equal((await inflow(data, 'memory', 'rm', String(added.id))).code, 0);
  const gone = await inflow(data, 'memory', 'rm', String(added.id));
  assert.equal(gone.code, 3);
  assert.match(gone.stderr, /No memory entry with id/);
  assert.equal((await inflow(data, 'memory', 'edit', 'abc', 'x')).code, 2);
});

test('inflow ask runs the agent on a real GGUF, prints the trace, and runs replay shows the stored run', async () => {
  const data = path.join(tempDir(), 'data');
  const model = testModelPath({ seed: 7 });
  const ask = await inflow(data, 'ask', 'What is 17 + 25?', ...askOptions(model));
  assert.equal(ask.code, 0, ask.stderr);
  assert.match(ask.stdout, /^Run run_/m);
  assert.match(ask.stdout, /^Step 1\/1$/m);
  assert.match(ask.stdout, /^ {2}plan {5}Generalist_Solution_Generator_Tool/m);
  assert.match(ask.stdout, /^\((step_limit|answered); \d+ model calls, 1 tool calls, \d+ tokens\)$/m);
  const runs = JSON.parse((await inflow(data, 'runs', 'list', '--json')).stdout) as Array<{ id: string; question: string; stopReason: string }>;
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.question, 'What is 17 + 25?');
  const replay = await inflow(data, 'runs', 'replay', runs[0]!.id);
  assert.match(replay.stdout, /Question: What is 17 \+ 25\?/);
  assert.match(replay.stdout, /^ {2}plan {5}Generalist_Solution_Generator_Tool/m);
  assert.match(replay.stdout, /· planner +\d+ prompt \+ \d+ response tokens/);
  const show = JSON.parse((await inflow(data, 'runs', 'show', runs[0]!.id, '--json')).stdout) as {
    calls: Array<{ module: string; responseLogprobs: number[] }>;
  };
  assert.ok(show.calls.find((call) => call.module === 'planner')!.responseLogprobs.length > 0);
  assert.equal((await inflow(data, 'runs', 'show', 'run_missing')).code, 3);
});

test('inflow ask refuses unknown tools and bad options before loading a model', async () => {
  const data = path.join(tempDir(), 'data');
  const unknown = await inflow(data, 'ask', 'q', '--tools', 'calculator');
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /There is no tool "calculator"/);
  const profile = await inflow(data, 'ask', 'q', '--profile', 'fancy');
  assert.equal(profile.code, 2);
  assert.equal((await inflow(data, 'ask')).code, 2);
});

test('inflow ask plans with the adapter training promoted for the model, and --base runs without it', async () => {
  const data = path.join(tempDir(), 'data');
  const model = testModelPath({ seed: 7 });
  const lora = testLoraPath({ seed: 7 });
  const { createBackend } = await import('../../../electron/core/backend.ts');
  const { AdapterRegistry } = await import('../../../electron/core/adapters/adapter-registry.ts');
  const backend = await createBackend({ dataDir: data });
  const registry = new AdapterRegistry(backend.db);
  registry.promote(registry.register({ path: lora, baseModel: path.resolve(model) }).id);
  await backend.close();

  const common = askOptions(model);
  const promoted = await inflow(data, 'ask', 'What is 2 + 2?', ...common);
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.match(promoted.stdout, /Planner adapter: .*\(promoted; --base to run without it\)/);
  const bare = await inflow(data, 'ask', 'What is 3 + 3?', ...common, '--base');
  assert.equal(bare.code, 0, bare.stderr);
  assert.doesNotMatch(bare.stdout, /Planner adapter/);

  const runs = JSON.parse((await inflow(data, 'runs', 'list', '--json')).stdout) as Array<{ id: string; question: string }>;
  const plannerAdapter = async (question: string) => {
    const run = runs.find((candidate) => candidate.question === question)!;
    const show = JSON.parse((await inflow(data, 'runs', 'show', run.id, '--json')).stdout) as {
      calls: Array<{ module: string; adapterId: string | null }>;
    };
    return show.calls.filter((call) => call.module === 'planner').map((call) => call.adapterId);
  };
  const withAdapter = await plannerAdapter('What is 2 + 2?');
  assert.ok(
    withAdapter.length > 0 && withAdapter.every((id) => id !== null),
    `planner calls used the promoted adapter: ${JSON.stringify(withAdapter)}`,
  );
  assert.ok((await plannerAdapter('What is 3 + 3?')).every((id) => id === null));
});

test('inflow ask --demonstrate makes the planner use the named tools; runs rate keeps the thumbs-up the SFT warm start trains on', async () => {
  const dir = tempDir();
  const data = path.join(dir, 'data');
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(path.join(dir, 'docs', 'sums.md'), '# Sums\n\nTwo and two make four.\n');
  assert.equal((await inflow(data, 'knowledge', 'add', path.join(dir, 'docs'))).code, 0, 'the knowledge tool needs an index');
  const model = testModelPath({ seed: 7 });
  const common = askOptions(model, 'generalist,knowledge');
  const shown: Record<string, string> = {};
  for (const [short, full] of [
    ['knowledge', 'Knowledge_Search_Tool'],
    ['generalist', 'Generalist_Solution_Generator_Tool'],
  ] as const) {
    const ask = await inflow(data, 'ask', 'What is 2 + 2?', ...common, '--demonstrate', short);
    assert.equal(ask.code, 0, ask.stderr);
    assert.match(ask.stdout, new RegExp(`^ {2}plan {5}${full}`, 'm'), `--demonstrate ${short}: step 1 uses ${full}`);
    shown[short] = /^A demonstration\. If the answer is right: inflow runs rate (run_\S+) up/m.exec(ask.stdout)![1]!;
  }
  const rated = await inflow(data, 'runs', 'rate', shown.knowledge!, 'up', '--json');
  assert.equal(rated.code, 0, rated.stderr);
  assert.deepEqual(JSON.parse(rated.stdout), { runId: shown.knowledge, rating: 1, reward: 1 });
  const stored = JSON.parse((await inflow(data, 'runs', 'show', shown.knowledge!, '--json')).stdout) as {
    run: { config: { pinnedTools: string[] } };
  };
  assert.deepEqual(stored.run.config.pinnedTools, ['Knowledge_Search_Tool']);
  const { createBackend } = await import('../../../electron/core/backend.ts');
  const { approvedPlannerTurns } = await import('../../../electron/core/training/flow-grpo/demonstrations.ts');
  const { RunHistory } = await import('../../../electron/core/store/run-history.ts');
  const backend = await createBackend({ dataDir: data });
  try {
    assert.equal(approvedPlannerTurns(new RunHistory(backend.db), model).length, 1, 'the rated demonstration is one SFT sample');
  } finally {
    await backend.close();
  }

  assert.equal((await inflow(data, 'runs', 'rate', shown.generalist!, 'sideways')).code, 2);
  assert.equal((await inflow(data, 'runs', 'rate', 'run_missing', 'up')).code, 3);
  const unknown = await inflow(data, 'ask', 'What is 2 + 2?', ...common, '--demonstrate', 'python');
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /"Python_Code_Generator_Tool" is not one of this run's tools/);
  const agentflow = await inflow(data, 'ask', 'What is 2 + 2?', ...common, '--profile', 'agentflow', '--demonstrate', 'generalist');
  assert.equal(agentflow.code, 4);
  assert.match(agentflow.stderr, /cannot be shown which tools to use/);
  assert.equal((await inflow(data, 'ask', 'q', '--demonstrate', ',')).code, 2);
});
