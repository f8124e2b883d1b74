import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createApi, type Api } from '../../../electron/core/api/create-api.ts';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

// The app's side of rewards a user can trust and of the cluster export, through the contract (dispatch validates
// input as the preload bridge does).
let backend: Backend;
let api: Api;
const dataDir = tempDir('inflow-trust-');
const exportDir = path.join(tempDir(), 'cluster');

before(async () => {
  backend = await createBackend({ dataDir });
  api = createApi({ backend, gpu: false, threads: 1 });
  fs.mkdirSync(backend.paths.models, { recursive: true });
  fs.copyFileSync(testModelPath(), path.join(backend.paths.models, 'planner.gguf'));
  fs.copyFileSync(testModelPath(), path.join(backend.paths.models, 'planner-copy.gguf'));
  await api.service.models.setRole({ role: 'planner', modelId: 'planner.gguf' });
});
after(async () => {
  await api.dispose();
  await backend.close();
});

const datasetFile = () => {
  const file = path.join(dataDir, 'mixed.jsonl');
  fs.writeFileSync(
    file,
    [
      ...Array.from({ length: 4 }, (_, i) => ({ question: `What is ${i} + 2?`, answer: i + 2, answer_kind: 'numeric' })),
      { question: 'How many moons? Count them.', answer: 'several', answer_kind: 'numeric' },
    ]
      .map((item) => JSON.stringify(item))
      .join('\n'),
  );
  return file;
};

test('importing a dataset with an item that can never score is refused naming it; the app can leave it out', async () => {
  const file = datasetFile();
  const refused = await api.dispatch('training.importDataset', { path: file });
  assert.equal(refused.ok ? '' : refused.error.code, 'DATASET_INVALID');
  assert.match(refused.ok ? '' : refused.error.message, /line 5 \("How many moons\? Count them\."\): its answer "several" is not a number/);
  const kept = await api.dispatch('training.importDataset', { path: file, skipUnscorable: true, heldoutFraction: 0.25 });
  assert.ok(kept.ok, JSON.stringify(kept));
  const view = kept.value as { trainItems: number; heldoutItems: number; leftOut: string[] };
  assert.deepEqual([view.trainItems + view.heldoutItems, view.leftOut.length], [4, 1]);
  assert.match(view.leftOut[0]!, /^line 5: /);
});

test("training refuses the planner's own model (or a copy) as its judge, before loading anything", async () => {
  const dataset = (await api.service.training.datasets())[0]!;
  const started = await api.dispatch('training.start', { datasetId: dataset.id, preset: 'quick', judgeModelId: 'planner-copy.gguf' });
  assert.equal(started.ok ? '' : started.error.code, 'JUDGE_INVALID', JSON.stringify(started));
  assert.match(started.ok ? '' : (started.error.hint ?? ''), /different model/);
  assert.equal((await api.service.training.runs()).length, 0, 'no run was recorded');
});

test("a dataset exports for the reference's trainer from the app, asking for the Hugging Face id when the model file does not name it", async () => {
  const dataset = (await api.service.training.datasets())[0]!;
  const outDir = exportDir;
  const unnamed = await api.dispatch('training.exportForAgentflow', { source: { datasetId: dataset.id }, outDir });
  assert.equal(unnamed.ok ? '' : unnamed.error.code, 'USAGE');
  assert.match(unnamed.ok ? '' : (unnamed.error.hint ?? ''), /--base-model ORG\/NAME/);
  const done = await api.dispatch('training.exportForAgentflow', {
    source: { datasetId: dataset.id },
    outDir,
    hfModelId: 'Qwen/Qwen2.5-0.5B-Instruct',
    gpusPerNode: 2,
  });
  assert.ok(done.ok, JSON.stringify(done));
  assert.deepEqual(done.value, {
    outDir,
    readmeFile: path.join(outDir, 'README.md'),
    train: 3,
    val: 1,
    hfModelId: 'Qwen/Qwen2.5-0.5B-Instruct',
    datasetName: dataset.name,
    leftOut: 0,
  });
  assert.ok(fs.existsSync(path.join(outDir, 'data', 'train', 'inflow_train.parquet')));
});
