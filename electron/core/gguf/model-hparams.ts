import { InflowError } from '../errors.ts';
import type { GgufFileInfo } from './gguf-reader.ts';

/** llama.cpp's LLAMA_MAX_LAYERS: a model with more blocks aborts the process while loading. */
export const MAX_MODEL_LAYERS = 512;

type Rule = { key: string; min: number; max?: number; what: string; perLayer?: boolean };

/**
 * Hyper-parameters llama.cpp asserts on (GGML_ASSERT aborts the whole process) instead of returning an error.
 * Each is checked only when present: a missing key is reported by llama.cpp itself as a normal load error.
 */
const rules: Rule[] = [
  { key: 'block_count', min: 1, max: MAX_MODEL_LAYERS, what: 'layers' },
  { key: 'embedding_length', min: 1, what: 'the embedding width' },
  { key: 'context_length', min: 1, what: 'the training context length' },
  { key: 'attention.head_count', min: 1, what: 'attention heads', perLayer: true },
  { key: 'attention.head_count_kv', min: 1, what: 'key/value heads', perLayer: true },
  { key: 'attention.key_length', min: 1, what: 'the key size per head' },
  { key: 'attention.value_length', min: 1, what: 'the value size per head' },
  { key: 'vocab_size', min: 1, what: 'vocabulary entries' },
];

function invalid(file: string, detail: string): InflowError {
  return new InflowError('MODEL_INVALID', `${file} is not a usable model: ${detail}.`, {
    hint: 'llama.cpp would crash on it. The file was written by a broken converter or edited by hand: get or convert the model again.',
  });
}

/**
 * Throws MODEL_INVALID (exit 4) when a model's hyper-parameters would make llama.cpp abort: zero or too many
 * layers, zero heads, a head count that the key/value heads do not divide, and so on. Per-layer arrays (hybrid
 * models) may hold zeros for layers without attention, but not only zeros.
 */
export function checkModelHyperParameters(header: GgufFileInfo): void {
  const arch = header.metadata.get('general.architecture')?.value;
  if (typeof arch !== 'string' || arch === '') return; // llama.cpp reports a missing architecture itself
  const number = (key: string): number | number[] | undefined => {
    const value = header.metadata.get(`${arch}.${key}`)?.value;
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.map(Number);
    return Number(value);
  };
  for (const rule of rules) {
    const value = number(rule.key);
    if (value === undefined) continue;
    const name = `${arch}.${rule.key}`;
    if (Array.isArray(value)) {
      if (!rule.perLayer) throw invalid(header.path, `${name} is an array, not a number`);
      if (value.some((item) => !Number.isInteger(item) || item < 0) || value.every((item) => item === 0)) {
        throw invalid(header.path, `${name} (${rule.what} per layer) must be whole numbers, not all 0`);
      }
      continue;
    }
    if (!Number.isInteger(value) || value < rule.min || (rule.max !== undefined && value > rule.max)) {
      const range = rule.max === undefined ? `at least ${rule.min}` : `${rule.min} to ${rule.max}`;
      throw invalid(
        header.path,
        `${name} = ${value} (${rule.what}); it must be ${range}${rule.key === 'block_count' && value === 0 ? ': a model with no layers cannot run' : ''}`,
      );
    }
  }
  const heads = number('attention.head_count');
  const kvHeads = number('attention.head_count_kv');
  if (typeof heads === 'number' && typeof kvHeads === 'number' && (kvHeads > heads || heads % kvHeads !== 0)) {
    throw invalid(header.path, `${arch}.attention.head_count = ${heads} is not a multiple of ${arch}.attention.head_count_kv = ${kvHeads}`);
  }
}
