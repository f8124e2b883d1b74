import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadNativeTrainer } from '../../../electron/core/training/trainer/native-trainer.ts';
import { loraAdapterBytes } from '../../../electron/core/training/flow-grpo/training-disk.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

/** The disk check's adapter size (from the model's tensor shapes) matches what the trainer really writes. */
test('the estimated LoRA adapter size matches a saved adapter (within its GGUF header)', async () => {
  const module = await loadNativeTrainer({ gpu: false });
  const lora = { rank: 4, alpha: 8, targets: ['q', 'v', 'down'] };
  const trainer = await module.createTrainer({ modelPath: testModelPath(), lora, threads: 1 });
  const file = path.join(tempDir(), 'a.gguf');
  await trainer.saveAdapter(file);
  await trainer.dispose();
  const actual = fs.statSync(file).size;
  const estimate = loraAdapterBytes(testModelPath(), lora);
  assert.ok(actual >= estimate && actual - estimate < 64 * 1024, `estimate ${estimate} B, file ${actual} B`);
});
