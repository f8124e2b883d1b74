import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput, idSchema } from './common.ts';

export type ModelRole = 'planner' | 'executor' | 'verifier' | 'generator';

export interface InstalledModel {
  /** The id settings refer to: the registry id (pulled or added models) or the file name of a loose GGUF in the models folder. */
  id: string;
  name: string;
  /** Absolute path of the file; outside the models folder for a GGUF added in place. */
  path: string;
  sizeBytes: number;
  /** From the GGUF header when readable. */
  architecture: string | null;
  parameters: string | null;
  quantization: string | null;
  /** The modules this model is set for. */
  roles: ModelRole[];
}

export interface RecommendedModel {
  id: string;
  name: string;
  description: string;
  sizeBytes: number;
  installed: boolean;
}

export interface DownloadView {
  downloadId: string;
  modelId: string;
  receivedBytes: number;
  totalBytes: number | null;
  status: 'downloading' | 'done' | 'cancelled' | 'failed';
  error: string | null;
}

export interface ModelsOverview {
  installed: InstalledModel[];
  recommended: RecommendedModel[];
  downloads: DownloadView[];
  modelsDir: string;
  /** Why there is no recommended list, when there is none. */
  catalogNote: string | null;
}

export const modelRoleSchema = z.enum(['planner', 'executor', 'verifier', 'generator']);

/** Local GGUF models: what is installed, what to download, which module uses which. */
export const modelsContract = {
  overview: method<ModelsOverview>()(emptyInput),
  download: method<DownloadView>()(z.object({ catalogId: idSchema }).strict()),
  cancelDownload: method<{ cancelled: boolean }>()(z.object({ downloadId: idSchema }).strict()),
  setRole: method<ModelsOverview>()(z.object({ role: modelRoleSchema, modelId: z.string().min(1).max(500).nullable() }).strict()),
  /** Registers a GGUF file from disk after checking it is a model (not an adapter or vocabulary-only file). */
  addFile: method<{ modelId: string; alreadyInstalled: boolean; overview: ModelsOverview }>()(
    z
      .object({
        path: z.string().min(1).max(4096),
        mode: z.enum(['link', 'copy']).optional(),
        name: z
          .string()
          .regex(/^[a-zA-Z0-9._-]+$/)
          .max(200)
          .optional(),
      })
      .strict(),
  ),
};
