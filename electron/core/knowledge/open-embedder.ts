import { getEngine } from '../llm/engine.ts';
import { resolveModelChoice } from '../llm/resolve-model.ts';
import { createLlamaEmbedder, type Embedder } from './embedder.ts';

/**
 * Loads an embedding GGUF (a path or an installed model id) with the engine and returns an embedder over it,
 * for hybrid knowledge search. `dispose()` frees the embedding context and the model.
 */
export async function openEmbedder(options: { model: string; modelsDir: string; threads?: number; gpu?: boolean; signal?: AbortSignal }): Promise<Embedder & { dispose(): Promise<void> }> {
  const engine = await getEngine({ gpu: options.gpu === false ? false : 'auto' });
  const model = await engine.loadModel({
    ...resolveModelChoice(options.model, options.modelsDir), contextSize: 512,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const embedder = await createLlamaEmbedder({ id: model.id, llamaModel: model.llamaModel, contextSize: 512, ...(options.threads === undefined ? {} : { threads: options.threads }) });
  return {
    id: embedder.id,
    embed: (texts, signal) => embedder.embed(texts, signal),
    async dispose() {
      await embedder.dispose();
      await model.dispose();
    },
  };
}
