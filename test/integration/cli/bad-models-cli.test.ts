import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { readGgufFile } from '../../../electron/core/gguf/gguf-reader.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { modelIdentity } from '../../../electron/core/llm/model-probe.ts';
import { brokenModels } from '../../support/broken-inputs.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

const corpus = brokenModels();
const chatArgs = ['--cpu', '--threads', '1', '--context-size', '128', '--max-tokens', '2'];

test('every broken model of the corpus gets the same documented exit code and a clear error from models add and chat, never a crash or a hang', async (t) => {
  const dataDir = tempDir();
  const cacheDir = tempDir();
  for (const model of corpus)
    await t.test(model.name, async () => {
      const add = await runCli(['models', 'add', model.file, '--data-dir', dataDir], { timeoutMs: 60_000, env: { INFLOW_CACHE_DIR: cacheDir } });
      assert.equal(add.code, model.exitCode, `models add, ${model.name}: ${add.stderr}`);
      assert.match(add.stderr, model.message, `models add, ${model.name}`);
      assert.doesNotMatch(add.stderr, /\n\s+at /, `models add, ${model.name}: a stack trace`);
      const chat = await runCli(['chat', '--model', model.file, ...chatArgs, '--data-dir', dataDir, 'Hi'], {
        timeoutMs: 120_000,
        env: { INFLOW_CACHE_DIR: cacheDir },
      });
      assert.equal(chat.code, model.exitCode, `chat, ${model.name}: ${chat.stderr}`);
      assert.match(chat.stderr, model.message, `chat, ${model.name}`);
    });
  // Nothing was registered, and no broken model is in the record of models that loaded.
  const list = JSON.parse((await runCli(['models', 'list', '--json', '--data-dir', dataDir])).stdout) as { models: Array<{ installed: boolean }> };
  assert.equal(list.models.filter((entry) => entry.installed).length, 0, 'no broken model was registered');
  const record = path.join(cacheDir, 'loaded-models.json');
  assert.ok(!fs.existsSync(record) || JSON.parse(fs.readFileSync(record, 'utf8')).length === 0, 'no broken model is remembered as loadable');
});

test('the engine (as the desktop app uses it, in-process) refuses models llama.cpp aborts on with an InflowError, and this process lives on', async () => {
  const engine = await getEngine({ gpu: false });
  // The header checks are shared with the CLI case above; these are the ones that reach llama.cpp.
  for (const model of corpus.filter((entry) => /0-layer|rope|feed_forward|head_count = 0/.test(entry.name))) {
    await assert.rejects(
      engine.loadModel({ path: model.file, contextSize: 128, threads: 1 }),
      (error: unknown) => InflowError.isInstance(error) && model.message.test(error.message),
      model.name,
    );
  }
  const good = await engine.loadModel({ path: testModelPath(), contextSize: 128, threads: 1 });
  await good.dispose();
});

test('a model that loaded once is remembered (also as a copy), so later loads skip the throwaway process', async () => {
  const cacheDir = tempDir();
  const dataDir = tempDir();
  const copy = path.join(tempDir(), 'copy.gguf');
  fs.copyFileSync(testModelPath(), copy);
  const first = await runCli(['chat', '--model', copy, ...chatArgs, '--data-dir', dataDir, 'Hi'], { env: { INFLOW_CACHE_DIR: cacheDir } });
  assert.equal(first.code, 0, first.stderr);
  const record = JSON.parse(fs.readFileSync(path.join(cacheDir, 'loaded-models.json'), 'utf8')) as string[];
  assert.deepEqual(record, [modelIdentity(readGgufFile(testModelPath()))]);
});
