import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeGgufFile } from '../../electron/core/gguf/gguf-writer.ts';
import { buildTestLora, type TestLoraOptions } from './gguf/lora-builder.ts';
import { buildTestModel, resolveTestModelOptions, type TestModelOptions } from './gguf/test-model-builder.ts';
import { ensureLlamaSource, repoRoot } from '../../scripts/llama-source.ts';

export type { TestModelOptions } from './gguf/test-model-builder.ts';
export type { TestLoraOptions } from './gguf/lora-builder.ts';

/** Bump when the builder's output changes, so cached files are rebuilt. */
const BUILDER_VERSION = 1;

export const testModelsDir = path.join(repoRoot, '.cache', 'test-models');

/** llama.cpp's models/ folder with the vocab-only GGUFs the test tokenizers come from. */
export function vocabDir(): string {
  const expected = path.join(repoRoot, '.cache', 'llama.cpp', 'models');
  try {
    return path.join(ensureLlamaSource(), 'models');
  } catch (error) {
    // Another test process may have finished the same first-time checkout a moment earlier.
    if (fs.existsSync(path.join(expected, 'ggml-vocab-qwen2.gguf'))) return expected;
    throw error;
  }
}

function cacheKey(value: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/**
 * A small random-weight GGUF chat model (ChatML template, real tokenizer), built on first use and cached in
 * `.cache/test-models/<hash>.gguf`. Defaults: qwen2, tiny vocab (~1.5k tokens), nEmbd 64, 2 layers, f32.
 * Safe when several test processes ask for the same model at once (atomic write).
 */
export function testModelPath(options: TestModelOptions = {}): string {
  const resolved = resolveTestModelOptions(options);
  const file = path.join(testModelsDir, `${cacheKey({ BUILDER_VERSION, ...resolved })}.gguf`);
  if (fs.existsSync(file)) return file;
  const built = buildTestModel(resolved, vocabDir());
  writeGgufFile(file, { metadata: built.metadata, tensors: built.tensors });
  return file;
}

/** A seeded GGUF LoRA adapter that fits the model `testModelPath(modelOptions)` returns. Cached like models. */
export function testLoraPath(modelOptions: TestModelOptions = {}, loraOptions: TestLoraOptions = {}): string {
  const resolved = resolveTestModelOptions(modelOptions);
  const file = path.join(testModelsDir, `lora-${cacheKey({ BUILDER_VERSION, ...resolved, lora: loraOptions })}.gguf`);
  if (fs.existsSync(file)) return file;
  writeGgufFile(file, buildTestLora(resolved, loraOptions));
  return file;
}
