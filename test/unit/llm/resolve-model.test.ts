import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { resolveModelChoice } from '../../../electron/core/llm/resolve-model.ts';
import { registerInstalledModel } from '../../../electron/core/models/model-registry.ts';
import { tempDir } from '../../support/temp-dir.ts';

function install(modelsDir: string, id: string): void {
  fs.mkdirSync(modelsDir, { recursive: true });
  fs.writeFileSync(path.join(modelsDir, `${id}.gguf`), 'GGUF');
  registerInstalledModel(modelsDir, { id, file: `${id}.gguf`, bytes: 4, sha256: 'x', source: 'test', installedAt: new Date(0).toISOString() });
}

test('--model is a path when it looks like one, otherwise a model id', () => {
  const modelsDir = path.join(tempDir(), 'models');
  assert.deepEqual(resolveModelChoice('models/x.gguf', modelsDir), { path: path.resolve('models/x.gguf') });
  assert.deepEqual(resolveModelChoice('qwen2.5-7b-instruct-q4_k_m', modelsDir), { catalogId: 'qwen2.5-7b-instruct-q4_k_m', modelsDir });
});

test('without --model: the recommended model when installed, else the first installed, else NO_MODEL', () => {
  const modelsDir = path.join(tempDir(), 'models');
  assert.throws(
    () => resolveModelChoice(undefined, modelsDir),
    (error) => InflowError.isInstance(error) && error.code === 'NO_MODEL' && /inflow models pull qwen2\.5-3b-instruct-q4_k_m/.test(error.hint ?? ''),
  );
  install(modelsDir, 'my-model');
  assert.deepEqual(resolveModelChoice(undefined, modelsDir), { catalogId: 'my-model', modelsDir });
  install(modelsDir, 'qwen2.5-3b-instruct-q4_k_m');
  assert.deepEqual(resolveModelChoice(undefined, modelsDir), { catalogId: 'qwen2.5-3b-instruct-q4_k_m', modelsDir });
});
