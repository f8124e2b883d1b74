import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

const commandsDir = path.resolve(import.meta.dirname, '../../../electron/cli/commands');
const commandNames = fs
  .readdirSync(commandsDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3))
  .sort();

/**
 * For every command: the words before an option (a subcommand where it needs one) and an option that takes a
 * value. A new command must be added here, so that its parsing is checked too.
 */
const cases: Record<string, { before: string[]; valued: string }> = {
  adapters: { before: ['list'], valued: '--model' },
  ask: { before: [], valued: '--model' },
  chat: { before: [], valued: '--model' },
  datasets: { before: ['list'], valued: '--name' },
  doctor: { before: [], valued: '--limit' },
  eval: { before: [], valued: '--benchmark' },
  knowledge: { before: ['search'], valued: '--limit' },
  mcp: { before: ['add', 'files'], valued: '--env' },
  memory: { before: ['list'], valued: '--kind' },
  models: { before: ['add'], valued: '--name' },
  runs: { before: ['list'], valued: '--limit' },
  serve: { before: [], valued: '--port' },
  train: { before: [], valued: '--dataset' },
};

/** Runs a few CLI processes at a time. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

test('every command is in the table of this test', () => {
  assert.deepEqual(Object.keys(cases).sort(), commandNames);
});

test("an unknown option or a missing value prints the command's usage and exits 2, without a stack trace, for every command", async () => {
  const dataDir = tempDir();
  const runs = commandNames.flatMap((name) => [
    { name, kind: 'unknown option', args: [name, ...cases[name]!.before, '--no-such-option'] },
    { name, kind: 'missing value', args: [name, ...cases[name]!.before, cases[name]!.valued] },
  ]);
  const results = await inParallel(runs, 4, (run) => runCli([...run.args, '--data-dir', dataDir], { timeoutMs: 60_000 }));
  const problems: string[] = [];
  runs.forEach((run, index) => {
    const result = results[index]!;
    const where = `inflow ${run.args.join(' ')} (${run.kind})`;
    if (result.code !== 2) problems.push(`${where}: exit ${result.code}, stderr ${result.stderr.slice(0, 300)}`);
    if (/\n\s+at .+:\d+:\d+\)?/.test(result.stderr)) problems.push(`${where}: a stack trace`);
    if (!/Usage/.test(result.stderr)) problems.push(`${where}: no usage on stderr`);
    const option = run.kind === 'unknown option' ? '--no-such-option' : cases[run.name]!.valued;
    if (!result.stderr.includes(option)) problems.push(`${where}: the message does not name ${option}`);
  });
  assert.deepEqual(problems, []);
});

/**
 * For every command that takes a number: a call with one that is not a number (or not whole, or out of range). The
 * flag must be refused by name before anything else happens (no model loads, no run starts). null: no numeric flag
 * (memory's entry id is a positional, refused by its own message).
 */
const badNumbers: Record<string, string[] | null> = {
  adapters: ['adapters', 'eval', 'a1', '--limit', 'abc'],
  ask: ['ask', 'q', '--max-steps', '2.5'],
  chat: ['chat', '--model', 'x', '--threads', '1.5', 'hi'],
  datasets: ['datasets', 'import', 'f.json', '--heldout', 'abc'],
  doctor: ['doctor', '--egress', '--limit', '0'],
  eval: ['eval', '--benchmark', 'gameof24', '--limit', 'abc'],
  knowledge: ['knowledge', 'search', 'q', '--embed-model', 'x', '--threads', 'abc'],
  mcp: null,
  memory: null,
  models: null,
  runs: ['runs', 'list', '--limit', '0'],
  serve: ['serve', '--port', '80'],
  train: ['train', '--dataset', 'x', '--model', 'y', '--sequences', 'abc'],
};

test('a flag that needs a number and gets something else is refused by name with the usage, exit 2, for every command that has one', async () => {
  assert.deepEqual(Object.keys(badNumbers).sort(), commandNames);
  const dataDir = tempDir();
  const calls = Object.values(badNumbers).filter((args) => args !== null);
  const results = await inParallel(calls, 4, (args) => runCli([...args, '--data-dir', dataDir], { timeoutMs: 60_000 }));
  const problems: string[] = [];
  calls.forEach((args, index) => {
    const result = results[index]!;
    const flag = args.at(-2)!.startsWith('--') ? args.at(-2)! : args.at(-3)!;
    const where = `inflow ${args.join(' ')}`;
    if (result.code !== 2) problems.push(`${where}: exit ${result.code}, stderr ${result.stderr.slice(0, 300)}`);
    if (!new RegExp(`${flag} must be a (whole )?number`).test(result.stderr))
      problems.push(`${where}: the message does not name ${flag} and its rule: ${result.stderr.slice(0, 200)}`);
    if (!/Usage|inflow \w+ --/.test(result.stderr)) problems.push(`${where}: no usage on stderr`);
    if (/\n\s+at .+:\d+:\d+\)?/.test(result.stderr)) problems.push(`${where}: a stack trace`);
  });
  assert.deepEqual(problems, []);
});

test('output piped into head that closes early is not an error: exit 0, nothing on stderr (a real pipe)', () => {
  const dataDir = tempDir();
  const file = path.join(dataDir, 'big.jsonl');
  // about 1.5 MB of JSON: far more than a pipe holds, so the CLI is still writing when head has gone
  fs.writeFileSync(
    file,
    Array.from({ length: 6000 }, (_, i) =>
      JSON.stringify({ question: `Question ${i}: ${'why is the sky blue '.repeat(10)}`, answer: String(i) }),
    ).join('\n'),
  );
  const node = process.execPath;
  const cli = path.resolve(import.meta.dirname, '../../../electron/cli/index.ts');
  const imported = spawnSync(node, [cli, 'datasets', 'import', file, '--name', 'big', '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(imported.status, 0, imported.stderr);
  for (const reader of ['head -n 1', 'head -c 100']) {
    const stderrFile = path.join(dataDir, 'stderr.txt');
    const shell = spawnSync(
      'bash',
      [
        '-c',
        `"$0" "$1" datasets show big --json --data-dir "$2" 2>"$3" | ${reader} >/dev/null; echo "\${PIPESTATUS[0]}"`,
        node,
        cli,
        dataDir,
        stderrFile,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(shell.stdout.trim(), '0', `inflow | ${reader}: ${fs.readFileSync(stderrFile, 'utf8')}`);
    assert.equal(fs.readFileSync(stderrFile, 'utf8'), '', `inflow | ${reader} wrote to stderr`);
  }
});

test('adapters take --model as an installed id or a path, and promote finds a version without --model', async () => {
  const dataDir = tempDir();
  const { createBackend } = await import('../../../electron/core/backend.ts');
  const { AdapterRegistry } = await import('../../../electron/core/adapters/adapter-registry.ts');
  const { registerInstalledModel } = await import('../../../electron/core/models/model-registry.ts');
  const backend = await createBackend({ dataDir });
  const modelA = path.join(dataDir, 'a.gguf');
  const modelB = path.join(dataDir, 'b.gguf');
  try {
    for (const model of [modelA, modelB]) fs.writeFileSync(model, 'GGUF');
    registerInstalledModel(backend.paths.models, {
      id: 'model-a',
      file: 'a.gguf',
      path: modelA,
      bytes: 4,
      sha256: '',
      source: 'test',
      installedAt: new Date().toISOString(),
    });
    const registry = new AdapterRegistry(backend.db);
    for (const n of [1, 2]) {
      const file = path.join(dataDir, `a-${n}.gguf`);
      fs.writeFileSync(file, 'GGUF');
      registry.register({ path: file, baseModel: modelA });
    }
    fs.writeFileSync(path.join(dataDir, 'b-1.gguf'), 'GGUF');
    registry.register({ path: path.join(dataDir, 'b-1.gguf'), baseModel: modelB });
  } finally {
    await backend.close();
  }
  const byId = await runCli(['adapters', 'list', '--model', 'model-a', '--json', '--data-dir', dataDir]);
  assert.equal(byId.code, 0, byId.stderr);
  assert.deepEqual(
    JSON.parse(byId.stdout).map((a: { version: number }) => a.version),
    [1, 2],
  );
  const byPath = await runCli(['adapters', 'list', '--model', modelB, '--json', '--data-dir', dataDir]);
  assert.deepEqual(
    JSON.parse(byPath.stdout).map((a: { version: number }) => a.version),
    [1],
  );
  const promoted = await runCli(['adapters', 'promote', 'v2', '--json', '--data-dir', dataDir]);
  assert.equal(promoted.code, 0, promoted.stderr);
  assert.equal(JSON.parse(promoted.stdout).version, 2);
  assert.equal(JSON.parse(promoted.stdout).baseModel, modelA);
  // v1 exists for both models: the CLI asks which one instead of guessing
  const ambiguous = await runCli(['adapters', 'promote', 'v1', '--data-dir', dataDir]);
  assert.equal(ambiguous.code, 2, ambiguous.stderr);
  assert.match(ambiguous.stderr, /v1 exists for 2 base models[\s\S]*--model/);
  const scoped = await runCli(['adapters', 'promote', 'v1', '--model', 'model-a', '--json', '--data-dir', dataDir]);
  assert.equal(scoped.code, 0, scoped.stderr);
  assert.equal(JSON.parse(scoped.stdout).baseModel, modelA);
  const unknown = await runCli(['adapters', 'list', '--model', 'no-such-model', '--data-dir', dataDir]);
  assert.equal(unknown.code, 3, unknown.stderr);
  assert.match(unknown.stderr, /no model "no-such-model"/i);
});
