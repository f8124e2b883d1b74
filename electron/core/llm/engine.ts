import os from 'node:os';
import path from 'node:path';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { InflowError } from '../errors.ts';
import { assertGgufModelFile } from '../models/check-model-file.ts';
import { assertFits, estimateFit, kvBytesPerToken, systemBudget, type HardwareBudget } from '../models/hardware-fit.ts';
import { resolveInstalledModel } from '../models/model-registry.ts';
import { ensureModelLoadsSafely } from './model-probe.ts';
import { clearLlamaLog, recordLlamaLog, takeLlamaErrors } from './llama-log.ts';
import { LocalModel, type ContextSettings } from './local-model.ts';
import { defaults } from '../contract/defaults.ts';

export type EngineBackend = 'Metal' | 'CUDA' | 'Vulkan' | 'CPU';

export interface EngineOptions {
  /** false: CPU only; 'auto' (default): the best GPU backend this machine has. */
  gpu?: false | 'auto' | 'metal' | 'cuda' | 'vulkan';
}

export interface EngineInfo {
  backend: EngineBackend;
  gpuDevices: string[];
  vram: { total: number; used: number; free: number };
  ram: { total: number; free: number };
  /** Resident memory of this process (weights of loaded models included, when not memory-mapped). */
  processRss: number;
  cpuMathCores: number;
  llamaCppRelease: string;
}

export interface LoadModelOptions extends Partial<ContextSettings> {
  /** A GGUF file. */
  path?: string;
  /** A catalog id of an installed model (needs `modelsDir`). */
  catalogId?: string;
  modelsDir?: string;
  /** Layers to offload to the GPU: a number, 'auto' (default) or 'max'. Ignored on CPU. */
  gpuLayers?: number | 'auto' | 'max';
  /** Name reported as `modelId` (default: catalog id or file name). */
  id?: string;
  signal?: AbortSignal;
  /** Overrides the measured RAM/VRAM in the fit check (tests). */
  budget?: HardwareBudget;
  /**
   * false: skip loading a never-loaded model in a throwaway process first (see model-probe.ts). Only for
   * callers that are themselves a throwaway process.
   */
  probe?: boolean;
}

/**
 * The local inference engine: one node-llama-cpp runtime per process (loading it costs about a second), which
 * loads GGUF models as LocalModels. Checks a file before loading it, so a missing, truncated or foreign file,
 * hyper-parameters llama.cpp aborts on, or a model too large for this machine get a clear InflowError instead
 * of a native crash; a model never loaded on this machine is loaded first in a throwaway process.
 */
export class Engine {
  readonly llama: Llama;

  constructor(llama: Llama) {
    this.llama = llama;
  }

  get backend(): EngineBackend {
    const gpu = this.llama.gpu;
    return gpu === 'metal' ? 'Metal' : gpu === 'cuda' ? 'CUDA' : gpu === 'vulkan' ? 'Vulkan' : 'CPU';
  }

  async info(): Promise<EngineInfo> {
    const vram = this.llama.gpu === false ? { total: 0, used: 0, free: 0 } : await this.llama.getVramState();
    return {
      backend: this.backend,
      gpuDevices: this.llama.gpu === false ? [] : await this.llama.getGpuDeviceNames(),
      vram: { total: vram.total, used: vram.used, free: vram.free },
      ram: { total: os.totalmem(), free: os.freemem() },
      processRss: process.memoryUsage().rss,
      cpuMathCores: this.llama.cpuMathCores,
      llamaCppRelease: this.llama.llamaCppRelease.release,
    };
  }

  async loadModel(options: LoadModelOptions): Promise<LocalModel> {
    const { file, id } = this.resolveFile(options);
    const { header } = assertGgufModelFile(file);
    const contextSize = options.contextSize ?? defaults.modelContextSize;
    const sequences = options.sequences ?? 1;
    const useGpu = this.llama.gpu !== false && options.gpuLayers !== 0;
    const vram = useGpu ? await this.llama.getVramState() : { total: 0, free: 0 };
    assertFits(
      estimateFit({
        modelBytes: header.fileSize,
        kvBytes:
          kvBytesPerToken(header) * contextSize * sequences * (options.kvCacheType === 'q8_0' ? 0.53 : options.kvCacheType === 'q4_0' ? 0.28 : 1),
        budget: options.budget ?? systemBudget(vram),
        useGpu,
        label: id,
      }),
    );
    // A model that never loaded on this machine is tried in a throwaway process first: llama.cpp aborts the
    // process on some broken files, and in the desktop app that process would be the app.
    if (options.probe !== false) await ensureModelLoadsSafely(header, options.signal);
    let llamaModel: LlamaModel;
    clearLlamaLog();
    try {
      llamaModel = await this.llama.loadModel({
        modelPath: file,
        gpuLayers: this.llama.gpu === false ? 0 : (options.gpuLayers ?? 'auto'),
        ...(options.signal === undefined ? {} : { loadSignal: options.signal }),
        ...(options.flashAttention === undefined ? {} : { defaultContextFlashAttention: options.flashAttention }),
      });
    } catch (error) {
      if (options.signal?.aborted === true) throw new InflowError('CANCELLED', `Loading ${id} was cancelled.`, { cause: error });
      if ((error as Error).name === 'InsufficientMemoryError') {
        throw new InflowError('MODEL_WONT_FIT', `${id} does not fit in this computer's memory: ${(error as Error).message}`, {
          cause: error,
          hint: 'Choose a smaller model or quantization.',
        });
      }
      throw new InflowError('MODEL_LOAD_FAILED', `llama.cpp could not load ${file}: ${(error as Error).message}${takeLlamaErrors()}`, {
        cause: error,
        hint: 'The file may be corrupt or use an architecture this llama.cpp build does not support.',
      });
    }
    try {
      return await LocalModel.create(id, path.resolve(file), llamaModel, {
        contextSize,
        sequences,
        ...pick(options, ['threads', 'batchSize', 'flashAttention', 'kvCacheType']),
      });
    } catch (error) {
      await llamaModel.dispose();
      throw error;
    }
  }

  async dispose(): Promise<void> {
    await this.llama.dispose();
  }

  private resolveFile(options: LoadModelOptions): { file: string; id: string } {
    if (options.path !== undefined) return { file: path.resolve(options.path), id: options.id ?? path.basename(options.path, '.gguf') };
    if (options.catalogId !== undefined) {
      if (options.modelsDir === undefined) throw new InflowError('USAGE', 'Loading a model by catalog id needs the models directory.');
      return { file: resolveInstalledModel(options.modelsDir, options.catalogId), id: options.id ?? options.catalogId };
    }
    throw new InflowError('USAGE', 'loadModel needs a path or a catalogId.');
  }
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

const engines = new Map<string, Promise<Engine>>();

/**
 * The process-wide engine for a GPU choice, created on first use. Tests use `{ gpu: false }`.
 */
export function getEngine(options: EngineOptions = {}): Promise<Engine> {
  const key = String(options.gpu ?? 'auto');
  let engine = engines.get(key);
  if (engine === undefined) {
    engine = getLlama({
      gpu: options.gpu ?? 'auto',
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
      logger: (_level, message) => recordLlamaLog(message),
    })
      .then((llama) => new Engine(llama))
      .catch((error: unknown) => {
        engines.delete(key);
        throw new InflowError('ENGINE_UNAVAILABLE', `The llama.cpp runtime could not start: ${(error as Error).message}`, {
          cause: error,
          hint: 'Reinstall with "npm install" so node-llama-cpp can fetch its prebuilt binary for this platform.',
        });
      });
    engines.set(key, engine);
  }
  return engine;
}
