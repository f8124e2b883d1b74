/**
 * Helpers shared by the native trainer tests: the addon loaded next to node-llama-cpp (CPU), seeded samples, twin
 * trainers' parameters and gradients compared, and per-token log-probabilities as node-llama-cpp itself computes them.
 */
import assert from 'node:assert/strict';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import {
  loadNativeTrainer,
  type NativeTrainer,
  type NativeTrainerModule,
  type TrainingSample,
} from '../../../electron/core/training/trainer/native-trainer.ts';
import { seededRandom } from '../../../electron/core/training/seeded-random.ts';

export const allTargets = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'];

/** INFLOW_TEST_TRAINER_GPU=1 (set by `npm run check:gpu`) runs the trainer tests on the GPU; node-llama-cpp's reference stays on the CPU. */
export function trainerModule(): Promise<NativeTrainerModule> {
  return loadNativeTrainer({ gpu: process.env.INFLOW_TEST_TRAINER_GPU === '1' ? 'auto' : false });
}

/** `count` samples of random tokens in [3, vocab) with the given prompt/response lengths and advantages. */
export function randomSamples(vocab: number, shapes: Array<{ prompt: number; response: number; advantage?: number }>, seed = 7): TrainingSample[] {
  const next = seededRandom(seed);
  const token = (): number => 3 + Math.floor(next() * (vocab - 3));
  return shapes.map((shape) => ({
    promptTokens: Array.from({ length: shape.prompt }, token),
    responseTokens: Array.from({ length: shape.response }, token),
    advantage: shape.advantage ?? 0,
  }));
}

/** Sets every lora_b tensor to small seeded values, so that gradients of the A matrices are not zero. */
export function randomizeLoraB(trainer: NativeTrainer, seed = 3, scale = 0.05): void {
  const next = seededRandom(seed);
  for (const name of trainer.parameterNames()) {
    if (!name.endsWith('.lora_b')) continue;
    const values = trainer.getParameter(name);
    for (let i = 0; i < values.length; i++) values[i] = (next() * 2 - 1) * scale;
    trainer.setParameter(name, values);
  }
}

/** Gives `to` the parameters of `from` (two trainers of the same model and LoRA then compute the same thing). */
export function copyParameters(from: NativeTrainer, to: NativeTrainer): void {
  for (const name of from.parameterNames()) to.setParameter(name, from.getParameter(name));
}

/**
 * Asserts that two trainers hold the same gradients after a step: per parameter, none all zero, and the largest
 * difference within 1e-4 of the largest gradient of `a` (how two packings of the same samples must agree).
 */
export function assertSameGradients(a: NativeTrainer, b: NativeTrainer, label?: string): void {
  for (const name of a.parameterNames()) {
    const x = a.getParameter(name, { gradient: true });
    const y = b.getParameter(name, { gradient: true });
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs((x[i] as number) - (y[i] as number)));
      scale = Math.max(scale, Math.abs(x[i] as number));
    }
    assert.ok(scale > 0 && diff <= 1e-4 * scale, `${label === undefined ? '' : `${label} `}${name}: gradients differ by ${diff} (scale ${scale})`);
  }
}

/**
 * Per-token log-probabilities of each sample's response from node-llama-cpp (F32 KV cache, no flash attention), with an
 * optional LoRA adapter, from the full-vocabulary probabilities it returns at temperature 0.
 */
export async function nodeLlamaCppLogprobs(
  llama: Llama,
  modelPath: string,
  adapterPath: string | undefined,
  samples: readonly TrainingSample[],
): Promise<number[][]> {
  const model: LlamaModel = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    const context = await model.createContext({
      contextSize: 512,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
      ...(adapterPath === undefined ? {} : { lora: { adapters: [{ filePath: adapterPath }] } }),
    });
    const result: number[][] = [];
    const sequence = context.getSequence();
    for (const sample of samples) {
      await sequence.clearHistory();
      const tokens = [...sample.promptTokens, ...sample.responseTokens];
      const first = sample.promptTokens.length - 1;
      const outputs = await sequence.controlledEvaluate(
        tokens.map((token, i) =>
          i >= first && i < tokens.length - 1 ? [token as never, { generateNext: { probabilities: true } }] : (token as never),
        ),
      );
      const logprobs: number[] = [];
      for (let j = 0; j < sample.responseTokens.length; j++) {
        const probabilities = outputs[first + j]?.next.probabilities;
        if (probabilities === undefined) throw new Error(`node-llama-cpp returned no probabilities at position ${first + j}`);
        logprobs.push(Math.log(probabilities.get(sample.responseTokens[j] as never) ?? 0));
      }
      result.push(logprobs);
    }
    await context.dispose();
    return result;
  } finally {
    await model.dispose();
  }
}

export function maxAbsDifference(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let max = 0;
  a.forEach((row, i) => {
    for (let j = 0; j < row.length; j++) max = Math.max(max, Math.abs((row[j] as number) - ((b[i] as ArrayLike<number>)[j] as number)));
  });
  return max;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}
