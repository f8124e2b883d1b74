import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { importPeftAdapter } from '../../../electron/core/adapters/peft-import.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { ggufMetadataValue, readGgufFile } from '../../../electron/core/gguf/gguf-reader.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';
import { peftFolder, verlLoraCheckpoint } from './peft-fixture.ts';

const modelPath = testModelPath();

test('inflow adapters import takes a verl checkpoint (global_step_N/actor/lora_adapter, all-linear keys); the adapter loads and answers', async () => {
  const step = verlLoraCheckpoint({ scale: 4 });
  const dataDir = tempDir();
  const run = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'electron', 'cli', 'index.ts'), '--data-dir', dataDir, '--json', 'adapters', 'import', step, '--model', modelPath],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const adapter = JSON.parse(run.stdout) as { path: string; metrics: { rank: number; alpha: number } };
  assert.deepEqual([adapter.metrics.rank, adapter.metrics.alpha], [8, 16]);
  const gguf = readGgufFile(adapter.path);
  assert.equal(gguf.tensors.length, 2 * 7 * 2, 'both layers, q k v o gate up down, A and B');
  assert.ok(gguf.tensors.some((t) => t.name === 'blk.1.ffn_down.weight.lora_b'));

  const engine = await getEngine({ gpu: false });
  const model = await engine.loadModel({ path: modelPath, contextSize: 256, threads: 1 });
  after(() => model.dispose());
  const request = { messages: [{ role: 'user' as const, content: 'What is 2 + 2?' }], sampling: { temperature: 0, maxTokens: 8 } };
  const before = await model.generate(request);
  await model.setAdapter(adapter.path);
  const answered = await model.generate(request);
  assert.ok(answered.responseTokens.length > 0, 'the planner with the imported adapter answers');
  assert.notDeepEqual(
    [answered.responseTokens, answered.responseLogprobs],
    [before.responseTokens, before.responseLogprobs],
    'the adapter changes the model',
  );
});

test("verl's model-merger adapter (lora_alpha 0) is refused unless the run's alpha is given; rsLoRA alpha is converted", () => {
  const merged = verlLoraCheckpoint({ scale: 1, merged: true });
  const out = path.join(tempDir(), 'merged.gguf');
  assert.throws(
    () => importPeftAdapter({ source: merged, baseModelPath: modelPath, outPath: out }),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'ADAPTER_INVALID' && /lora_alpha 0/.test(e.message) && /--alpha/.test(e.hint ?? ''),
  );
  assert.equal(importPeftAdapter({ source: merged, baseModelPath: modelPath, outPath: out, alpha: 16 }).alpha, 16);
  const rslora = importPeftAdapter({
    source: path.join(verlLoraCheckpoint({ scale: 1, rank: 4, alpha: 8, rslora: true }), 'actor'),
    baseModelPath: modelPath,
    outPath: path.join(tempDir(), 'rs.gguf'),
  });
  assert.ok(Math.abs(rslora.alpha - 8 * 2) < 1e-9, "alpha·sqrt(r), so llama.cpp's alpha/r equals rsLoRA's alpha/sqrt(r)");
  assert.ok(Math.abs(Number(ggufMetadataValue(readGgufFile(rslora.path), 'adapter.lora.alpha')) - 16) < 1e-6);
});

test("inflow eval compares the cluster-trained adapter with the local one on the export's held-out tasks, paired (McNemar)", () => {
  const dataDir = tempDir();
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'electron', 'cli', 'index.ts'), '--data-dir', dataDir, '--json', ...args], {
      encoding: 'utf8',
      timeout: 240_000,
    });
  const heldout = path.join(tempDir(), 'heldout.jsonl');
  // The shape exportForAgentflow writes for the held-out split.
  fs.writeFileSync(
    heldout,
    ['What is 1 + 1?', 'What is 2 + 2?']
      .map((question, i) => JSON.stringify({ question, answer: 2 * (i + 1), answer_kind: 'numeric', split: 'heldout', idx: i }))
      .join('\n'),
  );
  const imported = JSON.parse(cli('adapters', 'import', verlLoraCheckpoint({ scale: 4 }), '--model', modelPath).stdout) as { id: string };
  const local = JSON.parse(cli('adapters', 'import', peftFolder({ scale: 0.5 }), '--model', modelPath).stdout) as { id: string };
  const evaluated = cli(
    'eval',
    '--benchmark',
    heldout,
    '--model',
    modelPath,
    '--adapter',
    imported.id,
    '--against',
    local.id,
    '--max-steps',
    '1',
    '--threads',
    '1',
    '--cpu',
    '--no-judge',
    '--context-size',
    '1024',
  );
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout.slice(evaluated.stdout.indexOf('{'))) as {
    comparisons: Array<{ paired: number; pValue: number; a: string; b: string }>;
  };
  assert.equal(report.comparisons.length, 1);
  assert.equal(report.comparisons[0]!.paired, 2, 'both planners on the same two held-out tasks');
  assert.ok(report.comparisons[0]!.pValue >= 0 && report.comparisons[0]!.pValue <= 1);
  assert.deepEqual(
    [report.comparisons[0]!.a, report.comparisons[0]!.b].map((label) => label.split(' + ')[1]).sort(),
    [imported.id, local.id].sort(),
    'the imported adapter against the local one',
  );
});
