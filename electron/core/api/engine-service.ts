import type { Backend } from '../backend.ts';
import type { AdapterRegistry } from '../adapters/adapter-registry.ts';
import type { DownloadView, ModelsOverview } from '../contract/models.ts';
import type { EventHub } from './event-hub.ts';
import type { ModelsService } from './models-service.ts';
import type { SettingsService } from './settings-service.ts';
import { InflowError } from '../errors.ts';

export interface EngineServiceOptions {
  backend: Backend;
  settings: SettingsService;
  models: ModelsService;
  adapters: AdapterRegistry;
  events: EventHub;
  gpu: false | 'auto';
  threads?: number;
}

/**
 * The models the agent runs on: the recommended catalog, downloads with progress, and the planner model
 * (with its active adapter) loaded through the engine in electron/core/llm.
 */
export class EngineService {
  readonly options: EngineServiceOptions;

  constructor(options: EngineServiceOptions) {
    this.options = options;
  }

  /** The planner model id from settings; throws a clear error when none is chosen. */
  requirePlanner(): string {
    const planner = this.options.settings.read().models.planner;
    if (planner === null) throw new InflowError('NO_PLANNER_MODEL', 'No planner model is chosen.', { hint: 'Open Models and click "Use as planner" on an installed model.' });
    return planner;
  }

  async catalog(): Promise<Pick<ModelsOverview, 'recommended' | 'downloads' | 'catalogNote'>> {
    return { recommended: [], downloads: [], catalogNote: 'The model catalog is not part of this build yet; copy a GGUF file into the models folder.' };
  }

  async download(_catalogId: string): Promise<DownloadView> {
    throw new InflowError('CATALOG_UNAVAILABLE', 'Downloads are not part of this build yet.', { hint: `Copy a GGUF file into ${this.options.backend.paths.models} instead.` });
  }

  cancelDownload(_downloadId: string): boolean {
    return false;
  }

  async dispose(): Promise<void> {}
}
