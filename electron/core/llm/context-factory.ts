import type { LlamaContext, LlamaContextOptions, LlamaModel } from 'node-llama-cpp';
import { InflowError } from '../errors.ts';
import { clearLlamaLog, takeLlamaErrors } from './llama-log.ts';

/** Context settings of a loaded model; fixed until the model is loaded again (an adapter switch keeps them). */
export interface ContextSettings {
  contextSize: number;
  threads?: number;
  /** Parallel sequences: how many generations run at once on this model (default 1). */
  sequences?: number;
  batchSize?: number;
  flashAttention?: boolean;
  /** KV cache element type (default f16); q8_0 halves its memory. */
  kvCacheType?: 'f16' | 'q8_0' | 'q4_0';
}

/** A LoRA adapter applied to a context. */
export interface AdapterChoice {
  filePath: string;
  scale: number;
}

function kvType(type: NonNullable<ContextSettings['kvCacheType']>): 'F16' | 'Q8_0' | 'Q4_0' {
  return type === 'f16' ? 'F16' : type === 'q8_0' ? 'Q8_0' : 'Q4_0';
}

/**
 * Creates a context for a loaded model with the given settings and adapter. Failures become InflowErrors that
 * quote llama.cpp's reason (CONTEXT_WONT_FIT, CONTEXT_CREATE_FAILED).
 */
export async function createContext(model: LlamaModel, settings: ContextSettings, adapter: AdapterChoice | null): Promise<LlamaContext> {
  const options: LlamaContextOptions = {
    contextSize: settings.contextSize,
    sequences: settings.sequences ?? 1,
    ...(settings.threads === undefined ? {} : { threads: settings.threads }),
    ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
    ...(settings.flashAttention === undefined ? {} : { flashAttention: settings.flashAttention }),
    ...(settings.kvCacheType === undefined
      ? {}
      : { experimentalKvCacheKeyType: kvType(settings.kvCacheType), experimentalKvCacheValueType: kvType(settings.kvCacheType) }),
    ...(adapter === null ? {} : { lora: { adapters: [{ filePath: adapter.filePath, scale: adapter.scale }] } }),
    failedCreationRemedy: false,
  };
  clearLlamaLog();
  try {
    return await model.createContext(options);
  } catch (error) {
    if ((error as Error).name === 'InsufficientMemoryError') {
      throw new InflowError(
        'CONTEXT_WONT_FIT',
        `A ${settings.contextSize}-token context does not fit in the memory left: ${(error as Error).message}`,
        {
          hint: 'Use a smaller contextSize or fewer parallel sequences.',
          cause: error,
        },
      );
    }
    throw new InflowError(
      'CONTEXT_CREATE_FAILED',
      `llama.cpp could not create a ${settings.contextSize}-token context: ${(error as Error).message}${takeLlamaErrors()}`,
      {
        cause: error,
        hint:
          settings.kvCacheType !== undefined && settings.kvCacheType !== 'f16'
            ? 'A quantized KV cache needs attention heads whose size is a multiple of 32; try kvCacheType "f16".'
            : 'Try a smaller contextSize.',
      },
    );
  }
}
