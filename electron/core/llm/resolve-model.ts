import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { modelCatalog } from '../models/catalog.ts';
import { listInstalledModels } from '../models/model-registry.ts';
import type { LoadModelOptions } from './engine.ts';

/**
 * What `--model` means: a path to a GGUF file, or the id of an installed or catalog model. Without one, the
 * recommended model if installed, else the first installed model; NO_MODEL when there is none.
 */
export function resolveModelChoice(choice: string | undefined, modelsDir: string): Pick<LoadModelOptions, 'path' | 'catalogId' | 'modelsDir'> {
  if (choice !== undefined) {
    const looksLikePath = choice.endsWith('.gguf') || choice.includes('/') || choice.includes('\\');
    if (looksLikePath || fs.existsSync(choice)) return { path: path.resolve(choice) };
    return { catalogId: choice, modelsDir };
  }
  const installed = listInstalledModels(modelsDir);
  const recommended = modelCatalog.find((entry) => entry.recommended === true && installed.some((model) => model.id === entry.id));
  const chosen = recommended?.id ?? installed[0]?.id;
  if (chosen === undefined) {
    throw new InflowError('NO_MODEL', 'No model is installed.', {
      hint: `Download one with "inflow models pull ${modelCatalog.find((entry) => entry.recommended === true)?.id ?? 'ID'}", or pass --model PATH.gguf.`,
    });
  }
  return { catalogId: chosen, modelsDir };
}
