import path from 'node:path';
import { InflowError } from '../../../electron/core/errors.ts';
import { CHATML_SPECIAL_TOKENS, CHATML_TEMPLATE } from '../../../electron/core/gguf/chatml-template.ts';
import { gguf, type GgufValue } from '../../../electron/core/gguf/gguf-format.ts';
import { readGgufFile, type GgufFileInfo } from '../../../electron/core/gguf/gguf-reader.ts';

/** Which tokenizer a test model carries: qwen2's byte-level BPE, llama's SentencePiece, or a small qwen2-derived BPE. */
export type TestVocab = 'qwen2' | 'llama-spm' | 'tiny';

export interface TokenizerMetadata {
  entries: Array<[string, GgufValue]>;
  vocabSize: number;
  /** Token ids of the ChatML specials. */
  special: { endOfText: number; imStart: number; imEnd: number };
}

/** Regular tokens kept by the tiny vocabulary (the first ones of qwen2's vocabulary: all 256 bytes, then merges). */
export const TINY_VOCAB_REGULAR_TOKENS = 1536;

const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;

const vocabCache = new Map<string, GgufFileInfo>();

function vocabFile(vocabDir: string, name: string): GgufFileInfo {
  const file = path.join(vocabDir, `ggml-vocab-${name}.gguf`);
  let info = vocabCache.get(file);
  if (info === undefined) {
    info = readGgufFile(file);
    vocabCache.set(file, info);
  }
  return info;
}

function stringArray(info: GgufFileInfo, key: string): string[] {
  const value = info.metadata.get(key);
  if (value?.type !== 9) throw new InflowError('GGUF_CORRUPT', `${info.path} has no ${key} array.`);
  return value.value as string[];
}

function numberArray(info: GgufFileInfo, key: string): number[] {
  const value = info.metadata.get(key);
  if (value?.type !== 9) throw new InflowError('GGUF_CORRUPT', `${info.path} has no ${key} array.`);
  return value.value as number[];
}

function withChatMl(tokens: string[], types: number[]): TokenizerMetadata['special'] {
  const ids = CHATML_SPECIAL_TOKENS.map((text) => {
    let id = tokens.indexOf(text);
    if (id < 0) {
      id = tokens.length;
      tokens.push(text);
      types.push(TOKEN_TYPE_CONTROL);
    }
    return id;
  });
  return { endOfText: ids[0] ?? 0, imStart: ids[1] ?? 0, imEnd: ids[2] ?? 0 };
}

/** qwen2's first `regularTokens` tokens, the merges among them, and the ChatML specials. */
function tinyTokenizer(vocabDir: string, regularTokens: number): TokenizerMetadata {
  const source = vocabFile(vocabDir, 'qwen2');
  const tokens = stringArray(source, 'tokenizer.ggml.tokens').slice(0, regularTokens);
  const kept = new Set(tokens);
  const merges = stringArray(source, 'tokenizer.ggml.merges').filter((merge) => {
    const space = merge.indexOf(' ');
    const left = merge.slice(0, space);
    const right = merge.slice(space + 1);
    return kept.has(left) && kept.has(right) && kept.has(left + right);
  });
  const types = tokens.map(() => TOKEN_TYPE_NORMAL);
  const special = withChatMl(tokens, types);
  return {
    vocabSize: tokens.length,
    special,
    entries: [
      ['tokenizer.ggml.model', gguf.string('gpt2')],
      ['tokenizer.ggml.pre', gguf.string('qwen2')],
      ['tokenizer.ggml.tokens', gguf.strings(tokens)],
      ['tokenizer.ggml.token_type', gguf.i32s(types)],
      ['tokenizer.ggml.merges', gguf.strings(merges)],
    ],
  };
}

function copiedTokenizer(vocabDir: string, vocab: 'qwen2' | 'llama-spm'): TokenizerMetadata {
  const source = vocabFile(vocabDir, vocab);
  const tokens = [...stringArray(source, 'tokenizer.ggml.tokens')];
  const types = [...numberArray(source, 'tokenizer.ggml.token_type')];
  const added = tokens.length;
  const special = withChatMl(tokens, types);
  const entries: Array<[string, GgufValue]> = [
    ['tokenizer.ggml.model', source.metadata.get('tokenizer.ggml.model') ?? gguf.string('gpt2')],
    ['tokenizer.ggml.pre', source.metadata.get('tokenizer.ggml.pre') ?? gguf.string('default')],
    ['tokenizer.ggml.tokens', gguf.strings(tokens)],
    ['tokenizer.ggml.token_type', gguf.i32s(types)],
  ];
  if (source.metadata.has('tokenizer.ggml.scores')) {
    const scores = [...numberArray(source, 'tokenizer.ggml.scores')];
    while (scores.length < tokens.length) scores.push(0);
    entries.push(['tokenizer.ggml.scores', gguf.f32s(scores)]);
  }
  if (source.metadata.has('tokenizer.ggml.merges'))
    entries.push(['tokenizer.ggml.merges', gguf.strings(stringArray(source, 'tokenizer.ggml.merges'))]);
  if (vocab === 'llama-spm' && added !== tokens.length) {
    // SentencePiece needs an unknown token; the specials appended above are matched as whole strings.
    entries.push(['tokenizer.ggml.unknown_token_id', gguf.u32(0)]);
  }
  return { vocabSize: tokens.length, special, entries };
}

/**
 * Tokenizer header entries for a test model, with ChatML specials, the ChatML template and the ids a chat
 * model needs: end of generation is `<|im_end|>`; padding is `<|endoftext|>`. `vocabDir` is llama.cpp's
 * models/ folder (vocab-only GGUFs).
 */
export function tokenizerMetadata(vocab: TestVocab, vocabDir: string, options: { chatTemplate?: string } = {}): TokenizerMetadata {
  const base = vocab === 'tiny' ? tinyTokenizer(vocabDir, TINY_VOCAB_REGULAR_TOKENS) : copiedTokenizer(vocabDir, vocab);
  const spm = vocab === 'llama-spm';
  base.entries.push(
    ['tokenizer.ggml.bos_token_id', gguf.u32(spm ? 1 : base.special.endOfText)],
    ['tokenizer.ggml.eos_token_id', gguf.u32(base.special.imEnd)],
    ['tokenizer.ggml.padding_token_id', gguf.u32(base.special.endOfText)],
    ['tokenizer.ggml.add_bos_token', gguf.bool(spm)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
    ['tokenizer.chat_template', gguf.string(options.chatTemplate ?? CHATML_TEMPLATE)],
  );
  return base;
}
