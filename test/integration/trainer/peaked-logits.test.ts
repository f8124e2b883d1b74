import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readGgufFile } from '../../../electron/core/gguf/gguf-reader.ts';
import { testModelPath } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { nodeLlamaCppLogprobs, trainerModule } from './trainer-fixtures.ts';

/** A copy of a test model whose final norm is scaled, so that logits span hundreds (a very peaked model). */
function peakedModel(scale: number): string {
  const source = testModelPath({ arch: 'qwen2' });
  const info = readGgufFile(source);
  const norm = info.tensors.find((tensor) => tensor.name === 'output_norm.weight');
  assert.ok(norm !== undefined);
  const bytes = fs.readFileSync(source);
  const start = info.dataOffset + norm.offset;
  for (let i = 0; i < 64; i++) bytes.writeFloatLE(bytes.readFloatLE(start + 4 * i) * scale, start + 4 * i);
  const file = path.join(tempDir(), 'peaked.gguf');
  fs.writeFileSync(file, bytes);
  return file;
}

async function greedyTokens(modelPath: string, prompt: number[], count: number): Promise<number[]> {
  const { llama } = await trainerModule();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    const context = await model.createContext({
      contextSize: 64,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
    });
    const tokens: number[] = [];
    for await (const token of context.getSequence().evaluate(prompt as never[], { temperature: 0 })) {
      tokens.push(token);
      if (tokens.length === count) break;
    }
    await context.dispose();
    return tokens;
  } finally {
    await model.dispose();
  }
}

test('log-probs stay exact and the loss finite when the largest logit is hundreds above the mean', async () => {
  const modelPath = peakedModel(80);
  const module = await trainerModule();
  const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: ['q', 'v', 'down'] } });
  try {
    const prompt = [1, 2, 3, 4];
    const samples = [
      { promptTokens: prompt, responseTokens: await greedyTokens(modelPath, prompt, 8), advantage: 1 },
      { promptTokens: prompt, responseTokens: [5, 6, 7, 8, 9, 10, 11, 12], advantage: -1 },
    ];
    const [greedy, unlikely] = (await trainer.logprobs(samples)) as [Float32Array, Float32Array];
    assert.ok(unlikely.every(Number.isFinite), `finite log-probs: ${[...unlikely].join(', ')}`);
    assert.ok(Math.min(...unlikely) < -100, `the model is very peaked: ${Math.min(...unlikely)}`);
    // node-llama-cpp's F32 softmax underflows for the unlikely tokens; its greedy tokens are comparable
    const reference = (await nodeLlamaCppLogprobs(module.llama, modelPath, undefined, samples))[0] as number[];
    reference.forEach((value, i) => assert.ok(Math.abs(value - (greedy[i] as number)) < 1e-3, `token ${i}: ${greedy[i]} vs ${value}`));
    for (const objective of ['sft', 'grpo'] as const) {
      const metrics = await trainer.step({ samples, objective, klBeta: 0.1, learningRate: 1e-3 });
      assert.equal(metrics.skipped, false, `${objective}: ${metrics.skipReason}`);
      assert.ok(Number.isFinite(metrics.loss) && Number.isFinite(metrics.gradNorm));
    }
  } finally {
    await trainer.dispose();
  }
});
