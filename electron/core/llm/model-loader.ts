import type { ProfileName } from '../agent/profiles/prompt-profile.ts';
import { agentContextSize, defaults } from '../contract/defaults.ts';
import type { EnginePlanner } from '../training/flow-grpo/engine-planner.ts';
import type { Engine, LoadModelOptions } from './engine.ts';
import type { LocalModel } from './local-model.ts';
import { resolveInstalledModel } from '../models/model-registry.ts';
import { resolveModelChoice } from './resolve-model.ts';

/** What a model is loaded for: this decides its default context (contract/defaults.ts). */
export type ModelPurpose = { use: 'agent'; profile?: ProfileName | undefined } | { use: 'training' } | { use: 'chat' } | { use: 'embedding' };

export interface ModelRequest {
  purpose: ModelPurpose;
  /**
   * What `--model` names: a GGUF path or an installed (or catalog) model id; absent: the recommended installed
   * model, else the first installed one (llm/resolve-model.ts). Ignored when `file` is given.
   */
  model?: string | undefined;
  /** A model file already resolved (the app's settings, a training run's base model). */
  file?: string | undefined;
  /** The name reported as the model's id (default: the catalog id or the file name). */
  id?: string | undefined;
  /** A front end's explicit context (`--context-size`, a run's config); absent: the purpose's default. */
  contextSize?: number | undefined;
  gpu?: false | 'auto' | undefined;
  threads?: number | undefined;
  /** Generations at once (parallel sequences of the context). */
  sequences?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** One model load as the loader made it: what the listeners of `onLoad` see. */
export interface ModelLoad {
  purpose: ModelPurpose;
  options: LoadModelOptions & { contextSize: number };
}

/** The default context of a purpose, from contract/defaults.ts: the one table every front end reads. */
export function defaultContextSize(purpose: ModelPurpose): number {
  switch (purpose.use) {
    case 'agent':
      return agentContextSize(purpose.profile);
    case 'training':
      return defaults.trainingContextSize;
    case 'chat':
      return defaults.modelContextSize;
    case 'embedding':
      return defaults.embeddingContextSize;
  }
}

/**
 * The one way the back end loads a model for inference, built once by the composition root (backend.ts) and used by
 * every front end: the app's agent models (api/engine-service.ts), `inflow ask` and `inflow chat`, evaluations
 * (eval/eval-models.ts), training and adapter evaluation (training/flow-grpo/cli-session.ts) and embedders
 * (knowledge/open-embedder.ts). It resolves what `--model` names and gives each load the context of its purpose
 * unless the front end states one, so the same request means the same model and context everywhere.
 */
export class ModelLoader {
  readonly modelsDir: string;
  private readonly listeners = new Set<(load: ModelLoad) => void>();

  constructor(options: { modelsDir: string }) {
    this.modelsDir = options.modelsDir;
  }

  /** The process-wide engine for a GPU choice (node-llama-cpp's runtime, created on first use). */
  async engine(gpu: false | 'auto' = 'auto'): Promise<Engine> {
    // node-llama-cpp is imported on first use: commands that load no model start without it.
    const { getEngine } = await import('./engine.ts');
    return getEngine({ gpu });
  }

  /** The engine's load options for a request: the file, the context of its purpose, threads, sequences. */
  loadOptions(request: ModelRequest): LoadModelOptions & { contextSize: number } {
    const target = request.file !== undefined ? { path: request.file } : resolveModelChoice(request.model, this.modelsDir);
    return {
      ...target,
      contextSize: request.contextSize ?? defaultContextSize(request.purpose),
      ...(request.id === undefined ? {} : { id: request.id }),
      ...(request.threads === undefined ? {} : { threads: request.threads }),
      ...(request.sequences === undefined ? {} : { sequences: request.sequences }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    };
  }

  /** The model file a request names (MODEL_NOT_FOUND, NO_MODEL when there is none), without loading it. */
  modelFile(request: ModelRequest): string {
    const options = this.loadOptions(request);
    return options.path ?? resolveInstalledModel(this.modelsDir, options.catalogId ?? '');
  }

  /** A model for inference. */
  async load(request: ModelRequest): Promise<LocalModel> {
    const options = this.loadOptions(request);
    const model = await (await this.engine(request.gpu)).loadModel(options);
    this.emit({ purpose: request.purpose, options });
    return model;
  }

  /** A planner that takes adapters and can be unloaded during an update (training/flow-grpo/engine-planner.ts). */
  async loadPlanner(request: ModelRequest): Promise<EnginePlanner> {
    const options = this.loadOptions(request);
    const { EnginePlanner } = await import('../training/flow-grpo/engine-planner.ts');
    const planner = await EnginePlanner.load(await this.engine(request.gpu), options);
    this.emit({ purpose: request.purpose, options });
    return planner;
  }

  /** Calls `listener` after each load with what was loaded and how; returns the unsubscribe function. */
  onLoad(listener: (load: ModelLoad) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(load: ModelLoad): void {
    for (const listener of this.listeners) listener(load);
  }
}
