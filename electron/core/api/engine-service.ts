import path from 'node:path';
import type { Backend } from '../backend.ts';
import type { AdapterRegistry } from '../adapters/adapter-registry.ts';
import type { ModelsOverview } from '../contract/models.ts';
import type { DownloadsService } from './downloads-service.ts';
import type { EventHub } from './event-hub.ts';
import type { ModelsService } from './models-service.ts';
import type { SettingsService } from './settings-service.ts';
import type { AgentModels } from '../agent/run-agent.ts';
import type { LanguageModel } from '../llm/language-model.ts';
import type { LocalModel } from '../llm/local-model.ts';
import type { Engine } from '../llm/engine.ts';
import { defaultContextSize, type ModelRequest } from '../llm/model-loader.ts';
import type { EnginePlanner } from '../training/flow-grpo/engine-planner.ts';
import { InflowError } from '../errors.ts';

export interface EngineServiceOptions {
  backend: Backend;
  settings: SettingsService;
  models: ModelsService;
  adapters: AdapterRegistry;
  downloads: DownloadsService;
  events: EventHub;
  gpu: false | 'auto';
  threads?: number;
  contextSize?: number;
}

interface LoadedSet {
  plannerId: string;
  adapterPath: string | null;
  /** The context the set was loaded with: a change of prompt profile reloads it. */
  contextSize: number;
  planner: EnginePlanner;
  /** The base model without adapter for the fixed modules, when the planner carries an adapter. */
  base: LocalModel | null;
  others: Map<string, LocalModel>;
}

/**
 * The models the agent runs on: the planner (base model plus the active adapter, hot-swapped when the user
 * promotes or rolls back) and the fixed modules' models from settings, loaded through the back end's model loader
 * (llm/model-loader.ts) on first use and kept loaded. Also the recommended catalog for the Models screen.
 */
export class EngineService {
  readonly options: EngineServiceOptions;
  private loaded: LoadedSet | null = null;
  /** Models loaded by id (local API) while no planner set is loaded. */
  private readonly unattached: Pick<LoadedSet, 'others'> = { others: new Map() };
  private loading: Promise<LoadedSet> | null = null;
  private readonly unsubscribe: () => void;

  constructor(options: EngineServiceOptions) {
    this.options = options;
    this.unsubscribe = options.adapters.onActiveChange((baseModel, active) => {
      const set = this.loaded;
      if (set === null || this.options.models.pathOf(set.plannerId) !== baseModel) return;
      if (active === null || set.base !== null) {
        set.adapterPath = active?.path ?? null;
        void set.planner.setAdapter(set.adapterPath);
      } else {
        void this.release();
      }
    });
  }

  /** The planner's model file: adapters are registered against it. */
  plannerBase(): string {
    return this.options.models.pathOf(this.requirePlanner());
  }

  /** The planner model id from settings; throws a clear error when none is chosen. */
  requirePlanner(planner = this.options.settings.read().models.planner): string {
    if (planner === null)
      throw new InflowError('NO_PLANNER_MODEL', 'No planner model is chosen.', {
        hint: 'Open Models and click "Use as planner" on an installed model.',
      });
    return planner;
  }

  /** The context of the agent's models: the one given at start-up, else the default of the profile in settings. */
  contextSize(): number {
    return this.options.contextSize ?? defaultContextSize({ use: 'agent', profile: this.options.settings.read().profile });
  }

  async engine(): Promise<Engine> {
    return this.options.backend.modelLoader.engine(this.options.gpu);
  }

  /** The agent's models per settings, loading what is not loaded yet. */
  async agentModels(signal?: AbortSignal): Promise<{ models: AgentModels; plannerId: string; adapterId: string | null }> {
    const settings = this.options.settings.read().models;
    const plannerId = this.requirePlanner(settings.planner);
    const active = this.options.adapters.usableActive(this.options.models.pathOf(plannerId));
    const adapterPath = active?.path ?? null;
    let set = this.loaded;
    if (set !== null && set.plannerId === plannerId && set.adapterPath !== adapterPath && (adapterPath === null || set.base !== null)) {
      await set.planner.setAdapter(adapterPath);
      set.adapterPath = adapterPath;
    }
    if (set === null || set.plannerId !== plannerId || set.adapterPath !== adapterPath || set.contextSize !== this.contextSize()) {
      await this.release();
      this.loading ??= this.load(plannerId, adapterPath, signal).finally(() => {
        this.loading = null;
      });
      set = await this.loading;
    }
    const fixed: LanguageModel = set.base ?? set.planner;
    const models: AgentModels = { planner: set.planner, fixed };
    for (const role of ['executor', 'verifier', 'generator'] as const) {
      const id = settings[role];
      if (id !== null && id !== plannerId) models[role] = await this.other(set, id);
    }
    return { models, plannerId, adapterId: active?.id ?? null };
  }

  /**
   * A model for a plain chat (the local API): the planner's id gives the agent's planner with its active adapter (at
   * the agent's context), a model the agent has loaded for a role that same model; any other installed id is loaded for
   * plain chat as `inflow chat` loads it (purpose `chat`: defaults.modelContextSize) on first use, and kept loaded.
   */
  async chatModel(modelId: string, signal?: AbortSignal): Promise<LanguageModel> {
    if (modelId === this.options.settings.read().models.planner) return (await this.agentModels(signal)).models.planner;
    this.options.models.pathOf(modelId);
    return this.loaded?.others.get(modelId) ?? this.other(this.unattached, modelId, 'chat');
  }

  /** The recommended models (marked when installed) and the downloads of this session. */
  async catalog(): Promise<Pick<ModelsOverview, 'recommended' | 'downloads' | 'catalogNote'>> {
    const installed = new Set((await this.options.models.installed()).map((model) => model.id));
    return {
      recommended: this.options.downloads.models.map((model) => ({
        id: model.id,
        name: model.name,
        description: `${model.parameters} · ${model.quantization} · ${model.description}`,
        sizeBytes: model.approxBytes,
        installed: installed.has(model.id),
      })),
      downloads: this.options.downloads.list(),
      catalogNote: null,
    };
  }

  /** Unloads every model (the next run loads again); called when the planner or its adapter changes. */
  async release(): Promise<void> {
    const set = this.loaded;
    this.loaded = null;
    if (set === null) return;
    await set.planner.dispose();
    await set.base?.dispose();
    for (const model of set.others.values()) await model.dispose();
  }

  async dispose(): Promise<void> {
    this.unsubscribe();
    await this.loading?.catch(() => undefined);
    await this.release();
    for (const model of this.unattached.others.values()) await model.dispose();
    this.unattached.others.clear();
  }

  private async load(plannerId: string, adapterPath: string | null, signal?: AbortSignal): Promise<LoadedSet> {
    const loader = this.options.backend.modelLoader;
    const request = this.request(plannerId, signal);
    const planner = await loader.loadPlanner(request);
    if (adapterPath !== null) await planner.setAdapter(adapterPath);
    const base = adapterPath === null ? null : await loader.load(request);
    this.loaded = { plannerId, adapterPath, contextSize: loader.loadOptions(request).contextSize, planner, base, others: new Map() };
    return this.loaded;
  }

  private async other(set: Pick<LoadedSet, 'others'>, id: string, use: 'agent' | 'chat' = 'agent'): Promise<LocalModel> {
    let model = set.others.get(id);
    if (model === undefined) {
      model = await this.options.backend.modelLoader.load(this.request(id, undefined, use));
      set.others.set(id, model);
    }
    return model;
  }

  /**
   * What the back end's model loader gets for an installed model: for the agent, the context of the profile in settings;
   * for a plain chat, the chat context (both from contract/defaults.ts, unless the app was started with one).
   */
  private request(modelId: string, signal?: AbortSignal, use: 'agent' | 'chat' = 'agent'): ModelRequest {
    return {
      purpose: use === 'chat' ? { use: 'chat' } : { use: 'agent', profile: this.options.settings.read().profile },
      file: this.options.models.pathOf(modelId),
      id: path.basename(modelId, '.gguf'),
      gpu: this.options.gpu,
      ...(this.options.contextSize === undefined ? {} : { contextSize: this.options.contextSize }),
      ...(this.options.threads === undefined ? {} : { threads: this.options.threads }),
      ...(signal === undefined ? {} : { signal }),
    };
  }
}
