import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { testModelPath, type TestModelOptions } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allTargets, maxAbsDifference, nodeLlamaCppLogprobs, randomSamples, trainerModule } from './trainer-fixtures.ts';

const models: Array<{ name: string; options: TestModelOptions }> = [
  { name: 'qwen2 with tied embeddings', options: { arch: 'qwen2', tiedEmbeddings: true } },
  { name: 'qwen3', options: { arch: 'qwen3' } },
  { name: 'llama3 rope frequency factors', options: { arch: 'llama', ropeFreqFactors: true } },
];

for (const model of models) {
  test(`${model.name}: node-llama-cpp with the written adapter reproduces the trainer's log-probs`, async () => {
    const modelPath = testModelPath(model.options);
    const module = await trainerModule();
    // heads of 7 targets: the log-probs come from several output-head chunks
    const trainer = await module.createTrainer({ modelPath, lora: { rank: 8, alpha: 16, targets: allTargets }, headChunkTokens: 7 });
    const adapterPath = path.join(tempDir(), 'adapter.gguf');
    try {
      const vocab = trainer.info().model.vocabularySize;
      const samples = randomSamples(vocab, [
        { prompt: 6, response: 8, advantage: 1 },
        { prompt: 4, response: 10, advantage: -1 },
        { prompt: 9, response: 5, advantage: 1 },
      ]);
      for (let i = 0; i < 6; i++) await trainer.step({ samples, objective: 'grpo', learningRate: 1e-2, klBeta: 0.01 });
      await trainer.saveAdapter(adapterPath);
      const trained = await trainer.logprobs(samples);
      const base = await trainer.logprobs(samples, { adapter: false });
      const withAdapter = await nodeLlamaCppLogprobs(module.llama, modelPath, adapterPath, samples);
      const withoutAdapter = await nodeLlamaCppLogprobs(module.llama, modelPath, undefined, samples);
      assert.ok(maxAbsDifference(withAdapter, trained) < 1e-4, `adapter: max |difference| ${maxAbsDifference(withAdapter, trained)}`);
      assert.ok(maxAbsDifference(withoutAdapter, base) < 1e-4, `base: max |difference| ${maxAbsDifference(withoutAdapter, base)}`);
      assert.ok(maxAbsDifference(withoutAdapter, trained) > 0.1, 'training changed the log-probs, so the adapter must matter');
    } finally {
      await trainer.dispose();
    }
  });
}
