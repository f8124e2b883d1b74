import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { modelCatalog } from '../models/catalog.ts';
import { listInstalledModels, resolveInstalledModel } from '../models/model-registry.ts';
import type { LoadModelOptions } from './engine.ts';

function looksLikePath(choice: string): boolean {
  return choice.endsWith('.gguf') || choice.includes('/') || choice.includes('\\') || fs.existsSync(choice);
}

/**
 * The model file `--model` names, for commands that need the file itself (training, adapters, which are keyed by
 * the base model's path): a GGUF path (MODEL_NOT_FOUND when there is no such file) or an installed model's id.
 */
export function resolveModelFile(choice: string, modelsDir: string): string {
  if (!looksLikePath(choice)) return resolveInstalledModel(modelsDir, choice);
  const file = path.resolve(choice);
  if (!fs.existsSync(file))
    throw new InflowError('MODEL_NOT_FOUND', `No model file ${file}.`, {
      hint: 'Give the path of a GGUF model, or the id of an installed one (inflow models list).',
    });
  return file;
}

/**
 * What `--model` means: a path to a GGUF file, or the id of an installed or catalog model. Without one, the
 * recommended model if installed, else the first installed model; NO_MODEL when there is none.
 */
export function resolveModelChoice(choice: string | undefined, modelsDir: string): Pick<LoadModelOptions, 'path' | 'catalogId' | 'modelsDir'> {
  if (choice !== undefined) {
    if (looksLikePath(choice)) return { path: path.resolve(choice) };
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
