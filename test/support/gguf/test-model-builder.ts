import { InflowError } from '../../../electron/core/errors.ts';
import { GgmlType, gguf, type GgufTensorInput, type GgufValue } from '../../../electron/core/gguf/gguf-format.ts';
import { toHalfBits, toQ8_0 } from '../../../electron/core/gguf/float16.ts';
import { seededSampler } from '../../../electron/core/training/seeded-random.ts';
import { tokenizerMetadata, type TestVocab, type TokenizerMetadata } from './tokenizer-metadata.ts';

export type TestArch = 'llama' | 'qwen2' | 'qwen3';

/** Shape of a small random-weight model for tests and demos. Every field has a small default. */
export interface TestModelOptions {
  arch?: TestArch;
  vocab?: TestVocab;
  nEmbd?: number;
  nLayer?: number;
  nHead?: number;
  nHeadKv?: number;
  /** Per-head size; defaults to nEmbd / nHead (qwen3: twice that, so key_length differs from nEmbd / nHead). */
  headDim?: number;
  nFf?: number;
  /** No output.weight: the output layer reuses token_embd.weight. */
  tiedEmbeddings?: boolean;
  /** llama only: a llama3-style rope_freqs.weight tensor. */
  ropeFreqFactors?: boolean;
  /**
   * Element type of the matrices (norms and biases stay f32, as llama.cpp's converter writes them). q8_0 needs
   * row lengths (nEmbd, nFf, nHead x headDim) that are multiples of 32.
   */
  dtype?: 'f32' | 'f16' | 'q8_0';
  seed?: number;
  contextLength?: number;
  chatTemplate?: string;
}

export type ResolvedTestModelOptions = Required<Omit<TestModelOptions, 'chatTemplate'>> & { chatTemplate?: string };

export function resolveTestModelOptions(options: TestModelOptions = {}): ResolvedTestModelOptions {
  const arch = options.arch ?? 'qwen2';
  const nEmbd = options.nEmbd ?? 64;
  const nHead = options.nHead ?? 4;
  const resolved: ResolvedTestModelOptions = {
    arch,
    vocab: options.vocab ?? 'tiny',
    nEmbd,
    nLayer: options.nLayer ?? 2,
    nHead,
    nHeadKv: options.nHeadKv ?? Math.max(1, nHead / 2),
    headDim: options.headDim ?? (arch === 'qwen3' ? 2 : 1) * (nEmbd / nHead),
    nFf: options.nFf ?? nEmbd * 2,
    tiedEmbeddings: options.tiedEmbeddings ?? false,
    ropeFreqFactors: options.ropeFreqFactors ?? false,
    dtype: options.dtype ?? 'f32',
    seed: options.seed ?? 1,
    contextLength: options.contextLength ?? 4096,
    ...(options.chatTemplate === undefined ? {} : { chatTemplate: options.chatTemplate }),
  };
  const problems: string[] = [];
  if (!['llama', 'qwen2', 'qwen3'].includes(resolved.arch)) problems.push(`arch "${resolved.arch}" (llama, qwen2 or qwen3)`);
  if (!['tiny', 'qwen2', 'llama-spm'].includes(resolved.vocab)) problems.push(`vocab "${resolved.vocab}" (tiny, qwen2 or llama-spm)`);
  if (!['f32', 'f16', 'q8_0'].includes(resolved.dtype)) problems.push(`dtype "${resolved.dtype}" (f32, f16 or q8_0)`);
  if (!Number.isInteger(resolved.headDim) || resolved.headDim % 2 !== 0) problems.push(`headDim ${resolved.headDim} must be an even integer`);
  if (resolved.nHead % resolved.nHeadKv !== 0) problems.push(`nHead ${resolved.nHead} must be a multiple of nHeadKv ${resolved.nHeadKv}`);
  if (resolved.ropeFreqFactors && arch !== 'llama') problems.push('ropeFreqFactors is only for arch "llama"');
  if (resolved.dtype === 'q8_0' && [resolved.nEmbd, resolved.nFf, resolved.nHead * resolved.headDim].some((size) => size % 32 !== 0)) {
    problems.push('q8_0 needs nEmbd, nFf and nHead x headDim to be multiples of 32');
  }
  for (const key of ['nEmbd', 'nLayer', 'nHead', 'nHeadKv', 'nFf', 'contextLength'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) problems.push(`${key} must be a positive integer`);
  }
  if (problems.length > 0) throw new InflowError('INVALID_TEST_MODEL_OPTIONS', `Invalid test model options: ${problems.join('; ')}.`);
  return resolved;
}

export interface BuiltModel {
  metadata: Array<[string, GgufValue]>;
  tensors: GgufTensorInput[];
  tokenizer: TokenizerMetadata;
  options: ResolvedTestModelOptions;
}

/**
 * Builds the header and seeded random weights of a llama / qwen2 / qwen3 model the way llama.cpp expects them
 * (tensor names and ggml dims as its converter writes them). `vocabDir` is llama.cpp's models/ folder.
 */
export function buildTestModel(options: TestModelOptions, vocabDir: string): BuiltModel {
  const o = resolveTestModelOptions(options);
  const tokenizer = tokenizerMetadata(o.vocab, vocabDir, o.chatTemplate === undefined ? {} : { chatTemplate: o.chatTemplate });
  const nVocab = tokenizer.vocabSize;
  const random = seededSampler(o.seed);
  const qSize = o.nHead * o.headDim;
  const kvSize = o.nHeadKv * o.headDim;

  const tensors: GgufTensorInput[] = [];
  const matrix = (name: string, inputs: number, outputs: number, scale = 1 / Math.sqrt(inputs)) => {
    const values = new Float32Array(inputs * outputs);
    for (let index = 0; index < values.length; index++) values[index] = random.normal() * scale;
    const data = o.dtype === 'f16' ? { f16: toHalfBits(values) } : o.dtype === 'q8_0' ? { type: GgmlType.q8_0, bytes: toQ8_0(values) } : values;
    tensors.push({ name, dims: [inputs, outputs], data });
  };
  const vector = (name: string, length: number, fill: (index: number) => number) => {
    tensors.push({ name, dims: [length], data: Float32Array.from({ length }, (_, index) => fill(index)) });
  };

  matrix('token_embd.weight', o.nEmbd, nVocab, 1);
  vector('output_norm.weight', o.nEmbd, () => 1);
  if (!o.tiedEmbeddings) matrix('output.weight', o.nEmbd, nVocab);
  if (o.ropeFreqFactors) vector('rope_freqs.weight', o.headDim / 2, (index) => 1 + (7 * index) / Math.max(1, o.headDim / 2 - 1));
  for (let layer = 0; layer < o.nLayer; layer++) {
    const prefix = `blk.${layer}.`;
    vector(`${prefix}attn_norm.weight`, o.nEmbd, () => 1);
    matrix(`${prefix}attn_q.weight`, o.nEmbd, qSize);
    matrix(`${prefix}attn_k.weight`, o.nEmbd, kvSize);
    matrix(`${prefix}attn_v.weight`, o.nEmbd, kvSize);
    if (o.arch === 'qwen2') {
      vector(`${prefix}attn_q.bias`, qSize, () => random.normal() * 0.02);
      vector(`${prefix}attn_k.bias`, kvSize, () => random.normal() * 0.02);
      vector(`${prefix}attn_v.bias`, kvSize, () => random.normal() * 0.02);
    }
    if (o.arch === 'qwen3') {
      vector(`${prefix}attn_q_norm.weight`, o.headDim, () => 1);
      vector(`${prefix}attn_k_norm.weight`, o.headDim, () => 1);
    }
    matrix(`${prefix}attn_output.weight`, qSize, o.nEmbd);
    vector(`${prefix}ffn_norm.weight`, o.nEmbd, () => 1);
    matrix(`${prefix}ffn_gate.weight`, o.nEmbd, o.nFf);
    matrix(`${prefix}ffn_up.weight`, o.nEmbd, o.nFf);
    matrix(`${prefix}ffn_down.weight`, o.nFf, o.nEmbd);
  }

  const a = o.arch;
  const metadata: Array<[string, GgufValue]> = [
    ['general.architecture', gguf.string(a)],
    ['general.name', gguf.string(`inflow-test-${a}-${o.vocab}`)],
    ['general.file_type', gguf.u32(o.dtype === 'f16' ? 1 : o.dtype === 'q8_0' ? 7 : 0)],
    [`${a}.context_length`, gguf.u32(o.contextLength)],
    [`${a}.embedding_length`, gguf.u32(o.nEmbd)],
    [`${a}.block_count`, gguf.u32(o.nLayer)],
    [`${a}.feed_forward_length`, gguf.u32(o.nFf)],
    [`${a}.attention.head_count`, gguf.u32(o.nHead)],
    [`${a}.attention.head_count_kv`, gguf.u32(o.nHeadKv)],
    [`${a}.attention.key_length`, gguf.u32(o.headDim)],
    [`${a}.attention.value_length`, gguf.u32(o.headDim)],
    [`${a}.attention.layer_norm_rms_epsilon`, gguf.f32(1e-6)],
    [`${a}.rope.dimension_count`, gguf.u32(o.headDim)],
    [`${a}.rope.freq_base`, gguf.f32(a === 'llama' ? (o.ropeFreqFactors ? 500000 : 10000) : 1000000)],
    [`${a}.vocab_size`, gguf.u32(nVocab)],
    ...tokenizer.entries,
  ];
  return { metadata, tensors, tokenizer, options: o };
}
