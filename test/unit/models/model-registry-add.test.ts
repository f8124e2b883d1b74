import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { addModelFile } from '../../../electron/core/models/add-model.ts';
import { listInstalledModels, removeInstalledModel, resolveInstalledModel } from '../../../electron/core/models/model-registry.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

test('a referenced model whose file is away (unmounted drive) keeps its entry, says where the file was, and comes back', async () => {
  const modelsDir = path.join(tempDir(), 'models');
  const drive = tempDir();
  const file = path.join(drive, 'away.gguf');
  fs.copyFileSync(testModelPath(), file);
  await addModelFile({ modelsDir, file });
  const parked = `${file}.parked`;
  fs.renameSync(file, parked);
  assert.deepEqual(listInstalledModels(modelsDir), [], 'a missing file is not offered');
  assert.throws(
    () => resolveInstalledModel(modelsDir, 'away'),
    (error: Error & { code?: string }) => error.code === 'MODEL_FILE_NOT_FOUND' && error.message.includes(file),
  );
  const other = path.join(drive, 'other.gguf');
  fs.copyFileSync(testModelPath(), other);
  await addModelFile({ modelsDir, file: other });
  fs.renameSync(parked, file);
  assert.deepEqual(
    listInstalledModels(modelsDir)
      .map((entry) => entry.id)
      .sort(),
    ['away', 'other'],
    'registering another model kept the entry',
  );
  assert.equal(resolveInstalledModel(modelsDir, 'away'), file);
  fs.rmSync(file);
  const removed = removeInstalledModel(modelsDir, 'away');
  assert.equal(removed.path, file, 'an entry whose file is gone can still be removed');
  assert.ok(fs.existsSync(other));
});

test('adding under a taken name is refused with a hint; the same file again is a no-op', async () => {
  const modelsDir = path.join(tempDir(), 'models');
  const first = path.join(tempDir(), 'model.gguf');
  const second = path.join(tempDir(), 'model.gguf');
  fs.copyFileSync(testModelPath(), first);
  fs.copyFileSync(testModelPath(), second);
  assert.equal((await addModelFile({ modelsDir, file: first })).alreadyInstalled, false);
  assert.equal((await addModelFile({ modelsDir, file: first })).alreadyInstalled, true);
  await assert.rejects(
    addModelFile({ modelsDir, file: second }),
    (error: Error & { code?: string; hint?: string }) => error.code === 'MODEL_EXISTS' && /--name/.test(error.hint ?? ''),
  );
  assert.equal((await addModelFile({ modelsDir, file: second, name: 'model-2' })).model.id, 'model-2');
});
