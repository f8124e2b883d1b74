import fs from 'node:fs';
import path from 'node:path';
import type { InstalledModel, ModelRole, ModelsOverview } from '../contract/models.ts';
import type { SettingsService } from './settings-service.ts';
import { InflowError } from '../errors.ts';
import { installedModelPath, listInstalledModels } from '../models/model-registry.ts';
import { findCatalogModel } from '../models/catalog.ts';

const roles: readonly ModelRole[] = ['planner', 'executor', 'verifier', 'generator'];

/**
 * Installed models are the GGUF files in the data folder's `models/` directory (downloads land there; a
 * user may also copy files in) plus GGUF files added in place (`models add`, "Add a GGUF file…"). Which module uses which model is a setting (`models.<role>`).
 */
export class ModelsService {
  private readonly modelsDir: string;
  private readonly settings: SettingsService;
  private readonly headerCache = new Map<string, { mtimeMs: number; info: Pick<InstalledModel, 'architecture' | 'parameters' | 'quantization'> }>();

  constructor(options: { modelsDir: string; settings: SettingsService }) {
    this.modelsDir = options.modelsDir;
    this.settings = options.settings;
  }

  /**
   * Models pulled through the catalog (registered in the models folder's installed.json, by catalog id) and
   * any other GGUF file in the folder (by file name).
   */
  async installed(): Promise<InstalledModel[]> {
    if (!fs.existsSync(this.modelsDir)) return [];
    const assigned = this.settings.read().models;
    let registered: Array<{ id: string; file: string; path?: string }> = [];
    try {
      registered = listInstalledModels(this.modelsDir);
    } catch {
      registered = [];
    }
    const claimed = new Set(registered.filter((entry) => entry.path === undefined).map((entry) => entry.file));
    const loose = fs
      .readdirSync(this.modelsDir)
      .filter((name) => name.toLowerCase().endsWith('.gguf') && !claimed.has(name))
      .sort();
    const entries = [
      ...registered.map((entry) => ({ id: entry.id, file: installedModelPath(this.modelsDir, entry) })),
      ...loose.map((name) => ({ id: name, file: path.join(this.modelsDir, name) })),
    ];
    const models: InstalledModel[] = [];
    for (const entry of entries) {
      const file = entry.file;
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat === undefined || !stat.isFile()) continue;
      models.push({
        id: entry.id,
        name: findCatalogModel(entry.id)?.name ?? entry.id.replace(/\.gguf$/i, ''),
        path: file,
        sizeBytes: stat.size,
        ...(await this.header(file, stat.mtimeMs)),
        roles: roles.filter((role) => assigned[role] === entry.id),
      });
    }
    return models;
  }

  async overview(extra: Pick<ModelsOverview, 'recommended' | 'downloads' | 'catalogNote'>): Promise<ModelsOverview> {
    return { installed: await this.installed(), modelsDir: this.modelsDir, ...extra };
  }

  /** Sets which installed model a module uses; null clears it (the planner's model is used instead). */
  async setRole(role: ModelRole, modelId: string | null): Promise<void> {
    if (modelId !== null && !(await this.installed()).some((model) => model.id === modelId)) {
      throw new InflowError('MODEL_NOT_FOUND', `No installed model "${modelId}".`, {
        hint: `Put the GGUF file in ${this.modelsDir} or download one on the Models screen.`,
      });
    }
    this.settings.update({ models: { [role]: modelId } });
  }

  /** The absolute path of an installed model id. */
  pathOf(modelId: string): string {
    let registered: Array<{ id: string; file: string; path?: string }> = [];
    try {
      registered = listInstalledModels(this.modelsDir);
    } catch {
      registered = [];
    }
    const entry = registered.find((candidate) => candidate.id === modelId);
    const file = entry === undefined ? path.join(this.modelsDir, path.basename(modelId)) : installedModelPath(this.modelsDir, entry);
    if (!fs.existsSync(file))
      throw new InflowError('MODEL_NOT_FOUND', `The model "${modelId}" is not in ${this.modelsDir}.`, {
        hint: 'Pick another model on the Models screen.',
      });
    return file;
  }

  private async header(file: string, mtimeMs: number): Promise<Pick<InstalledModel, 'architecture' | 'parameters' | 'quantization'>> {
    const cached = this.headerCache.get(file);
    if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached.info;
    let info: Pick<InstalledModel, 'architecture' | 'parameters' | 'quantization'> = { architecture: null, parameters: null, quantization: null };
    try {
      const { readGgufFileInfo } = await import('node-llama-cpp');
      const gguf = await readGgufFileInfo(file, {
        readTensorInfo: false,
        logWarnings: false,
        ignoreKeys: ['tokenizer.ggml.tokens', 'tokenizer.ggml.merges', 'tokenizer.ggml.token_type', 'tokenizer.ggml.scores'],
      });
      const general = (gguf.metadata as { general?: Record<string, unknown> }).general ?? {};
      info = {
        architecture: typeof general.architecture === 'string' ? general.architecture : null,
        parameters: typeof general.size_label === 'string' ? general.size_label : null,
        quantization: typeof general.file_type === 'number' ? fileTypeName(general.file_type) : null,
      };
    } catch {
      // An unreadable header still lists the file; loading it will say what is wrong.
    }
    this.headerCache.set(file, { mtimeMs, info });
    return info;
  }
}

function fileTypeName(fileType: number): string {
  const names: Record<number, string> = {
    0: 'F32',
    1: 'F16',
    2: 'Q4_0',
    3: 'Q4_1',
    7: 'Q8_0',
    8: 'Q5_0',
    9: 'Q5_1',
    10: 'Q2_K',
    12: 'Q3_K_M',
    15: 'Q4_K_M',
    17: 'Q5_K_M',
    18: 'Q6_K',
    32: 'BF16',
  };
  return names[fileType] ?? `type ${fileType}`;
}
