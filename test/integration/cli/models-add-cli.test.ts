import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testLoraPath, testModelPath, vocabDir } from '../../support/test-model.ts';

const model = testModelPath();

/** A copy of the test model in a folder of the user's own, outside the data folder. */
function userCopy(name: string): string {
  const file = path.join(tempDir(), name);
  fs.copyFileSync(model, file);
  return file;
}

test("models add references a GGUF in place; list shows it; chat uses it; rm keeps the user's file", async () => {
  const dataDir = tempDir();
  const file = userCopy('My Model Q4.gguf');
  const add = await runCli(['models', 'add', file, '--data-dir', dataDir]);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /Added My-Model-Q4 .*used in place at/);
  assert.deepEqual(
    fs.readdirSync(path.join(dataDir, 'models')).filter((name) => name.endsWith('.gguf')),
    [],
    'nothing copied',
  );
  const list = await runCli(['models', 'list', '--json', '--data-dir', dataDir]);
  const listed = JSON.parse(list.stdout) as { models: Array<{ id: string; installed: boolean }> };
  assert.ok(
    listed.models.some((entry) => entry.id === 'My-Model-Q4' && entry.installed),
    list.stdout,
  );
  const chat = await runCli([
    'chat',
    '--model',
    'My-Model-Q4',
    '--cpu',
    '--threads',
    '1',
    '--context-size',
    '256',
    '--max-tokens',
    '3',
    '--json',
    '--data-dir',
    dataDir,
    'Hi',
  ]);
  assert.equal(chat.code, 0, chat.stderr);
  assert.equal((JSON.parse(chat.stdout) as { responseTokens: number[] }).responseTokens.length, 3);
  const again = await runCli(['models', 'add', file, '--data-dir', dataDir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already installed as My-Model-Q4/);
  const remove = await runCli(['models', 'rm', 'My-Model-Q4', '--data-dir', dataDir]);
  assert.equal(remove.code, 0, remove.stderr);
  assert.match(remove.stdout, /left in place/);
  assert.ok(fs.existsSync(file), "the user's file is still there");
  assert.equal(fs.statSync(file).size, fs.statSync(model).size);
  const after = JSON.parse((await runCli(['models', 'list', '--json', '--data-dir', dataDir])).stdout) as { models: Array<{ id: string }> };
  assert.ok(!after.models.some((entry) => entry.id === 'My-Model-Q4'));
});

test('models add --copy --name copies into the models folder; rm deletes only the copy', async () => {
  const dataDir = tempDir();
  const file = userCopy('source.gguf');
  const add = await runCli(['models', 'add', file, '--copy', '--name', 'tiny-copy', '--json', '--data-dir', dataDir]);
  assert.equal(add.code, 0, add.stderr);
  const result = JSON.parse(add.stdout) as { model: { id: string; file: string; path?: string; sha256: string } };
  assert.equal(result.model.id, 'tiny-copy');
  assert.equal(result.model.path, undefined);
  const copy = path.join(dataDir, 'models', 'tiny-copy.gguf');
  assert.deepEqual(fs.readFileSync(copy), fs.readFileSync(file));
  assert.match(result.model.sha256, /^[0-9a-f]{64}$/);
  const clash = await runCli(['models', 'add', userCopy('other.gguf'), '--name', 'tiny-copy', '--data-dir', dataDir]);
  assert.notEqual(clash.code, 0);
  assert.match(clash.stderr, /already installed/);
  assert.match(clash.stderr, /--name/);
  const remove = await runCli(['models', 'rm', 'tiny-copy', '--data-dir', dataDir]);
  assert.equal(remove.code, 0, remove.stderr);
  assert.ok(!fs.existsSync(copy));
  assert.ok(fs.existsSync(file));
});

test('models add refuses a LoRA adapter, a vocab-only file and a non-GGUF file, and registers nothing', async () => {
  const dataDir = tempDir();
  const adapter = await runCli(['models', 'add', testLoraPath(), '--data-dir', dataDir]);
  assert.equal(adapter.code, 4);
  assert.match(adapter.stderr, /is a LoRA adapter, not a model/);
  assert.match(adapter.stderr, /base model/);
  const vocab = await runCli(['models', 'add', path.join(vocabDir(), 'ggml-vocab-qwen2.gguf'), '--data-dir', dataDir]);
  assert.equal(vocab.code, 4);
  assert.match(vocab.stderr, /only a vocabulary/);
  const text = path.join(tempDir(), 'notes.gguf');
  fs.writeFileSync(text, 'these are not model weights\n'.repeat(20));
  const notGguf = await runCli(['models', 'add', text, '--data-dir', dataDir]);
  assert.equal(notGguf.code, 4, notGguf.stderr);
  assert.match(notGguf.stderr, /not a GGUF/i);
  const missing = await runCli(['models', 'add', path.join(tempDir(), 'nope.gguf'), '--data-dir', dataDir]);
  assert.equal(missing.code, 3, missing.stderr);
  const list = JSON.parse((await runCli(['models', 'list', '--json', '--data-dir', dataDir])).stdout) as { models: Array<{ installed: boolean }> };
  assert.ok(!list.models.some((entry) => entry.installed));
});
