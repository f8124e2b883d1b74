import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { defaults } from '../contract/defaults.ts';

/** Turns passages and queries into vectors for hybrid ranking. */
export interface Embedder {
  /** Identifies the model; vectors from another embedder are not compared. */
  readonly id: string;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * An embedder on a local embedding GGUF loaded by the engine (pass `localModel.llamaModel`): one
 * node-llama-cpp embedding context, texts embedded one after the other, vectors L2-normalised. Long texts are
 * cut to the context size in tokens.
 */
export async function createLlamaEmbedder(options: {
  id: string;
  llamaModel: LlamaModel;
  contextSize?: number;
  threads?: number;
}): Promise<Embedder & { dispose(): Promise<void> }> {
  const context: LlamaEmbeddingContext = await options.llamaModel.createEmbeddingContext({
    contextSize: options.contextSize ?? defaults.embeddingContextSize,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  const maxTokens = options.contextSize ?? defaults.embeddingContextSize;
  return {
    id: options.id,
    async embed(texts, signal) {
      const vectors: Float32Array[] = [];
      for (const text of texts) {
        signal?.throwIfAborted();
        const tokens = options.llamaModel.tokenize(text).slice(0, maxTokens);
        const embedding = await context.getEmbeddingFor(tokens.length > 0 ? tokens : options.llamaModel.tokenize(' '));
        vectors.push(normalize(Float32Array.from(embedding.vector)));
      }
      return vectors;
    },
    async dispose() {
      await context.dispose();
    },
  };
}

export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function encodeVector(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));
}

export function decodeVector(blob: Uint8Array): Float32Array {
  const copy = new Uint8Array(blob);
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}
