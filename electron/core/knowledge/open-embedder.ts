import { defaults } from '../contract/defaults.ts';
import type { ModelLoader } from '../llm/model-loader.ts';
import { createLlamaEmbedder, type Embedder } from './embedder.ts';

/**
 * Loads an embedding GGUF (a path or an installed model id) through the back end's model loader and returns an
 * embedder over it, for hybrid knowledge search. `dispose()` frees the embedding context and the model.
 */
export async function openEmbedder(options: {
  model: string;
  loader: ModelLoader;
  threads?: number;
  gpu?: boolean;
  signal?: AbortSignal;
}): Promise<Embedder & { dispose(): Promise<void> }> {
  const model = await options.loader.load({
    purpose: { use: 'embedding' },
    model: options.model,
    gpu: options.gpu === false ? false : 'auto',
    threads: options.threads,
    signal: options.signal,
  });
  const embedder = await createLlamaEmbedder({
    id: model.id,
    llamaModel: model.llamaModel,
    contextSize: defaults.embeddingContextSize,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  return {
    id: embedder.id,
    embed: (texts, signal) => embedder.embed(texts, signal),
    async dispose() {
      await embedder.dispose();
      await model.dispose();
    },
  };
}
