import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { NativeTrainer, NativeTrainerModule, StepRequest, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath, testModelsDir } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allTargets, maxAbsDifference, nodeLlamaCppLogprobs, randomSamples, randomizeLoraB, trainerModule } from './trainer-fixtures.ts';

// rows of 256 values: the K-quants' block size
const f32Model = (): string => testModelPath({ arch: 'llama', nEmbd: 256, nFf: 512, nHead: 4, nHeadKv: 2 });

async function converted(module: NativeTrainerModule, input: string, type: string): Promise<string> {
  const file = path.join(testModelsDir, `${path.basename(input, '.gguf')}-${type}.gguf`);
  if (!fs.existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    assert.ok((await module.convertModel(input, temporary, type)) > 0);
    fs.renameSync(temporary, file);
  }
  return file;
}

function gradients(trainer: NativeTrainer): Float32Array[] {
  return trainer.parameterNames().map((name) => trainer.getParameter(name, { gradient: true }));
}

function cosine(a: Float32Array[], b: Float32Array[]): number {
  let dot = 0,
    na = 0,
    nb = 0;
  a.forEach((values, i) =>
    values.forEach((x, j) => {
      const y = (b[i] as Float32Array)[j] as number;
      dot += x * y;
      na += x * x;
      nb += y * y;
    }),
  );
  return dot / Math.sqrt(na * nb);
}

const samples: TrainingSample[] = randomSamples(1500, [
  { prompt: 6, response: 8, advantage: 1 },
  { prompt: 4, response: 9, advantage: -1 },
]);

for (const type of ['q8_0', 'q4_K']) {
  test(`${type} base: the trained adapter reproduces the trainer's log-probs in node-llama-cpp`, async () => {
    const module = await trainerModule();
    const modelPath = await converted(module, f32Model(), type);
    const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: allTargets } });
    try {
      assert.equal(trainer.info().weightTypes, type);
      for (let i = 0; i < 4; i++) assert.equal((await trainer.step({ samples, objective: 'sft', learningRate: 1e-2 })).skipped, false);
      const adapter = path.join(tempDir(), 'adapter.gguf');
      await trainer.saveAdapter(adapter);
      const difference = maxAbsDifference(await nodeLlamaCppLogprobs(module.llama, modelPath, adapter, samples), await trainer.logprobs(samples));
      assert.ok(difference < 1e-4, `max |difference| ${difference}`);
    } finally {
      await trainer.dispose();
    }
  });
}

test('in-graph dequantisation (the GPU path) equals training on the dequantised F32 weights; direct quantised gradients agree closely', async () => {
  const module = await trainerModule();
  const quantized = await converted(module, f32Model(), 'q4_K');
  const roundTrip = await converted(module, quantized, 'f32');
  const request: StepRequest = { samples, objective: 'grpo', klBeta: 0.1, learningRate: 0, apply: false };
  const results: Array<{ logprobs: Float32Array[]; gradients: Float32Array[] }> = [];
  for (const [modelPath, dequantize] of [
    [roundTrip, false],
    [quantized, true],
    [quantized, false],
  ] as const) {
    const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: allTargets }, dequantize });
    try {
      assert.equal(trainer.info().dequantizeInGraph, dequantize);
      randomizeLoraB(trainer);
      await trainer.step(request);
      results.push({ logprobs: await trainer.logprobs(samples), gradients: gradients(trainer) });
    } finally {
      await trainer.dispose();
    }
  }
  const [f32, inGraph, direct] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
  assert.ok(maxAbsDifference(inGraph.logprobs, f32.logprobs) < 1e-5, `log-probs ${maxAbsDifference(inGraph.logprobs, f32.logprobs)}`);
  assert.ok(cosine(inGraph.gradients, f32.gradients) > 0.99999, `in-graph cosine ${cosine(inGraph.gradients, f32.gradients)}`);
  assert.ok(cosine(direct.gradients, f32.gradients) > 0.99, `direct cosine ${cosine(direct.gradients, f32.gradients)}`);
});

// autodiff's OUT_PROD has no CPU kernel for bf16: that path dequantises in the graph; the hand-written backward only
// multiplies with bf16 matrices (MUL_MAT, which the CPU runs), so it trains on them directly
for (const backward of ['autodiff', 'manual'] as const) {
  test(`bf16 base, ${backward} backward: ${backward === 'autodiff' ? 'dequantised in the graph instead of crashing' : 'trained directly'}`, async () => {
    const module = await trainerModule();
    const modelPath = await converted(module, testModelPath({ arch: 'llama' }), 'bf16');
    const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: ['q', 'down'] }, backward });
    try {
      assert.equal(trainer.info().weightTypes, 'bf16');
      assert.equal(trainer.info().dequantizeInGraph, backward === 'autodiff');
      const before = await trainer.logprobs(samples);
      for (let i = 0; i < 3; i++) assert.equal((await trainer.step({ samples, objective: 'sft', learningRate: 1e-2 })).skipped, false);
      const after = await trainer.logprobs(samples);
      assert.ok(
        after.every((values, i) => values.reduce((a, b) => a + b, 0) > (before[i] as Float32Array).reduce((a, b) => a + b, 0)),
        'SFT raised every sample',
      );
    } finally {
      await trainer.dispose();
    }
  });
}
