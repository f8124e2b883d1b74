import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startModelServer } from '../../support/model-server.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

const model = testModelPath();
const chatArgs = ['--cpu', '--threads', '1', '--context-size', '512'];

test('inflow doctor reports the backend, memory, data dir and models (--json)', async () => {
  const dataDir = tempDir();
  const run = await runCli(['doctor', '--cpu', '--json', '--data-dir', dataDir]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { node: string; dataDir: string; engine: { backend: string; ram: { total: number } }; models: unknown[] };
  assert.equal(report.engine.backend, 'CPU');
  assert.equal(report.dataDir, dataDir);
  assert.ok(report.engine.ram.total > 0);
  assert.deepEqual(report.models, []);
  const human = await runCli(['doctor', '--cpu', '--data-dir', dataDir]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /backend\s+CPU/);
  assert.match(human.stdout, /models\s+none installed: run "inflow models pull/);
});

test('pull a model from a URL with progress, list it, chat with it by id, remove it', async () => {
  const dataDir = tempDir();
  const server = await startModelServer({ 'tiny.gguf': model });
  const pull = await runCli(['models', 'pull', 'tiny-demo', '--url', server.url('tiny.gguf'), '--data-dir', dataDir]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stderr, /tiny-demo\s+100%/);
  assert.match(pull.stdout, /Installed tiny-demo/);
  const list = await runCli(['models', 'list', '--json', '--data-dir', dataDir]);
  const listed = JSON.parse(list.stdout) as { models: Array<{ id: string; installed: boolean }> };
  assert.ok(listed.models.some((entry) => entry.id === 'tiny-demo' && entry.installed));
  assert.ok(listed.models.some((entry) => entry.id === 'qwen2.5-7b-instruct-q4_k_m' && !entry.installed));
  // greedy: a sampled reply of this random-weight model can end early on its end-of-turn token (seen in CI)
  const chat = await runCli([
    'chat',
    '--model',
    'tiny-demo',
    ...chatArgs,
    '--temperature',
    '0',
    '--max-tokens',
    '6',
    '--json',
    '--data-dir',
    dataDir,
    'Hello',
  ]);
  assert.equal(chat.code, 0, chat.stderr);
  const generation = JSON.parse(chat.stdout) as { modelId: string; responseTokens: number[]; responseLogprobs: number[]; promptText: string };
  assert.equal(generation.modelId, 'tiny-demo');
  assert.equal(generation.responseTokens.length, 6);
  assert.equal(generation.responseLogprobs.length, 6);
  assert.match(generation.promptText, /<\|im_start\|>user\nHello<\|im_end\|>/);
  const remove = await runCli(['models', 'rm', 'tiny-demo', '--data-dir', dataDir]);
  assert.equal(remove.code, 0);
  assert.ok(!fs.existsSync(path.join(dataDir, 'models', 'tiny-demo.gguf')));
  const again = await runCli(['models', 'rm', 'tiny-demo', '--data-dir', dataDir]);
  assert.equal(again.code, 3);
  assert.match(again.stderr, /No installed model "tiny-demo"/);
});

test('inflow chat streams a reply from a GGUF path; greedy replies repeat exactly', async () => {
  const dataDir = tempDir();
  const args = ['chat', '--model', model, ...chatArgs, '--temperature', '0', '--max-tokens', '12', '--data-dir', dataDir, 'Tell me a story'];
  const first = await runCli(args);
  assert.equal(first.code, 0, first.stderr);
  assert.ok(first.stdout.trim().length > 0);
  assert.match(first.stderr, /stopped at --max-tokens 12/);
  const second = await runCli(args);
  assert.equal(second.stdout, first.stdout);
  const piped = await runCli(args.slice(0, -1), { input: 'Tell me a story\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, first.stdout, 'the message can come from stdin');
});

test('Ctrl-C stops a long reply and exits 130', async () => {
  const dataDir = tempDir();
  let sent = false;
  const run = await runCli(
    ['chat', '--model', model, ...chatArgs, '--context-size', '4096', '--max-tokens', '4000', '--data-dir', dataDir, 'Go on forever'],
    {
      onStdout: (text, child) => {
        if (!sent && text.length > 10) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    },
  );
  assert.ok(sent, 'no output before the interrupt');
  assert.equal(run.code, 130, run.stderr);
});

test('bad input gets a clear message and a meaningful exit code', async () => {
  const dataDir = tempDir();
  const notModel = path.join(dataDir, 'notes.gguf');
  fs.writeFileSync(notModel, 'plain text');
  const cases: Array<[string[], number, RegExp]> = [
    [['chat', '--model', path.join(dataDir, 'missing.gguf'), 'hi'], 3, /Model file not found: .*missing\.gguf/],
    [['chat', '--model', notModel, 'hi'], 4, /not a GGUF model file/],
    [['chat', 'hi'], 3, /No model is installed\.\nDownload one with "inflow models pull/],
    [['chat', '--model', 'gpt-17', 'hi'], 3, /no model "gpt-17"/],
    [['chat', '--model', model], 2, /Give the message to send/],
    [['chat', '--model', model, '--temperature', 'hot', 'hi'], 2, /--temperature must be a number/],
    [['models', 'pull', 'gpt-17'], 3, /no model "gpt-17" in the catalog\.\nKnown models: qwen2\.5-1\.5b/],
    [['models', 'frobnicate'], 2, /Unknown action "frobnicate"/],
  ];
  for (const [args, code, message] of cases) {
    const run = await runCli([...args, '--data-dir', dataDir]);
    assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
  }
});

test('on a terminal, inflow chat holds a conversation until an empty line', async (t) => {
  if (!fs.existsSync('/usr/bin/script')) {
    t.skip('needs util-linux "script" for a pseudo-terminal');
    return;
  }
  const dataDir = tempDir();
  const node = path.resolve('node_modules/.bin/node');
  const command = [node, 'electron/cli/index.ts', 'chat', '--cpu', '--threads', '1', '--max-tokens', '5', '--model', model, '--data-dir', dataDir]
    .map((part) => `'${part}'`)
    .join(' ');
  const child = spawn('/usr/bin/script', ['-qfc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const turns = ['Hello there', 'And again', ''];
  let sent = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const prompts = output.split('> ').length - 1;
    if (prompts > sent && sent < turns.length) child.stdin.write(`${turns[sent++]}\r`);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, output);
  assert.match(output, /Chatting with .* \(ChatML template\)/);
  assert.equal(output.split('(stopped at --max-tokens 5)').length - 1, 2, output);
});
