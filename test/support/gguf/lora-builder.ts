import { gguf, type GgufTensorInput, type GgufValue } from '../../../electron/core/gguf/gguf-format.ts';
import { seededSampler } from '../../../electron/core/training/seeded-random.ts';
import type { ResolvedTestModelOptions } from './test-model-builder.ts';

export interface TestLoraOptions {
  rank?: number;
  alpha?: number;
  /** Which projections get an adapter (default q and v, as most LoRA recipes do). */
  targets?: Array<'attn_q' | 'attn_k' | 'attn_v' | 'attn_output' | 'ffn_gate' | 'ffn_up' | 'ffn_down'>;
  seed?: number;
  /** Standard deviation of both A and B; B is usually zero after init, non-zero here so the adapter changes outputs. */
  scale?: number;
}

/**
 * Header and seeded weights of a GGUF LoRA adapter for a model built by buildTestModel, in llama.cpp's
 * adapter layout: `<tensor>.lora_a` with dims [in, rank] and `<tensor>.lora_b` with dims [rank, out].
 */
export function buildTestLora(
  model: ResolvedTestModelOptions,
  options: TestLoraOptions = {},
): { metadata: Array<[string, GgufValue]>; tensors: GgufTensorInput[] } {
  const rank = options.rank ?? 4;
  const alpha = options.alpha ?? rank;
  const random = seededSampler(options.seed ?? 7);
  const scale = options.scale ?? 0.5;
  const qSize = model.nHead * model.headDim;
  const kvSize = model.nHeadKv * model.headDim;
  const shapes: Record<string, [number, number]> = {
    attn_q: [model.nEmbd, qSize],
    attn_k: [model.nEmbd, kvSize],
    attn_v: [model.nEmbd, kvSize],
    attn_output: [qSize, model.nEmbd],
    ffn_gate: [model.nEmbd, model.nFf],
    ffn_up: [model.nEmbd, model.nFf],
    ffn_down: [model.nFf, model.nEmbd],
  };
  const tensors: GgufTensorInput[] = [];
  const fill = (length: number) => Float32Array.from({ length }, () => random.normal() * scale);
  for (let layer = 0; layer < model.nLayer; layer++) {
    for (const target of options.targets ?? ['attn_q', 'attn_v']) {
      const [inputs, outputs] = shapes[target] ?? [0, 0];
      const name = `blk.${layer}.${target}.weight`;
      tensors.push({ name: `${name}.lora_a`, dims: [inputs, rank], data: fill(inputs * rank) });
      tensors.push({ name: `${name}.lora_b`, dims: [rank, outputs], data: fill(rank * outputs) });
    }
  }
  const metadata: Array<[string, GgufValue]> = [
    ['general.architecture', gguf.string(model.arch)],
    ['general.type', gguf.string('adapter')],
    ['general.name', gguf.string(`inflow-test-lora-${model.arch}`)],
    ['adapter.type', gguf.string('lora')],
    ['adapter.lora.alpha', gguf.f32(alpha)],
  ];
  return { metadata, tensors };
}
