import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InflowError } from '../errors.ts';
import { ensureModelLoadsSafely } from '../llm/model-probe.ts';
import { assertGgufModelFile } from './check-model-file.ts';
import { sha256File } from './download-file.ts';
import { formatBytes, freeDiskBytes } from './hardware-fit.ts';
import { installedModelPath, listInstalledModels, registerInstalledModel, type InstalledModel } from './model-registry.ts';

export interface AddModelOptions {
  modelsDir: string;
  /** The GGUF file the user already has. */
  file: string;
  /** 'link' (default) references the file where it is; 'copy' copies it into the models folder. */
  mode?: 'link' | 'copy';
  /** The id to register it under; defaults to the file name without `.gguf`. */
  name?: string;
  signal?: AbortSignal;
}

export interface AddModelResult {
  model: InstalledModel;
  /** The same file was already registered under this id. */
  alreadyInstalled: boolean;
}

/** A registry id from a file name: letters, digits, ".", "_" and "-". */
function idFromFile(file: string): string {
  return (
    path
      .basename(file)
      .replace(/\.gguf$/i, '')
      .replace(/[^a-zA-Z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '') || 'model'
  );
}

/**
 * Registers a GGUF file the user already has as an installed model, after checking it is a real model that
 * llama.cpp loads (tried in a throwaway process unless it loaded on this machine before). By
 * default the registry references the file in place (removing the model later leaves the file alone); with
 * mode 'copy' the file is copied into the models folder first (removing the model deletes the copy only).
 */
export async function addModelFile(options: AddModelOptions): Promise<AddModelResult> {
  const { modelsDir } = options;
  const source = path.resolve(options.file);
  const mode = options.mode ?? 'link';
  const { bytes, header } = assertGgufModelFile(source);
  const id = options.name ?? idFromFile(source);
  if (!/^[a-zA-Z0-9._-]+$/.test(id)) {
    throw new InflowError('INVALID_MODEL_ID', `"${id}" is not a valid model name (letters, digits, ".", "_" and "-").`, {
      hint: 'Pass another --name.',
    });
  }
  const existing = listInstalledModels(modelsDir).find((entry) => entry.id === id);
  if (existing !== undefined) {
    if (path.resolve(installedModelPath(modelsDir, existing)) === source) return { model: existing, alreadyInstalled: true };
    throw new InflowError('MODEL_EXISTS', `A model named "${id}" is already installed (${installedModelPath(modelsDir, existing)}).`, {
      hint: 'Choose another name with --name, or remove the installed one first with "inflow models rm".',
    });
  }
  // Tried once in a throwaway process, so a model llama.cpp would abort on is refused here, not at first use.
  await ensureModelLoadsSafely(header, options.signal);
  fs.mkdirSync(modelsDir, { recursive: true });
  let file = path.basename(source);
  let referenced: string | undefined = source;
  if (mode === 'copy') {
    file = `${id}.gguf`;
    const destination = path.join(modelsDir, file);
    if (fs.existsSync(destination)) {
      throw new InflowError('MODEL_EXISTS', `${destination} already exists.`, { hint: 'Choose another name with --name.' });
    }
    const free = freeDiskBytes(modelsDir);
    if (free < bytes) {
      throw new InflowError('DISK_FULL', `Copying ${formatBytes(bytes)} needs more space than the ${formatBytes(free)} free in ${modelsDir}.`, {
        hint: 'Free some disk space, or add the file without --copy to use it where it is.',
      });
    }
    const partial = `${destination}.part-${process.pid}`;
    try {
      const streams = [fs.createReadStream(source), fs.createWriteStream(partial)] as const;
      await (options.signal === undefined ? pipeline(...streams) : pipeline(...streams, { signal: options.signal }));
      fs.renameSync(partial, destination);
    } catch (error) {
      fs.rmSync(partial, { force: true });
      if (options.signal?.aborted === true) throw new InflowError('CANCELLED', `Copying ${source} was cancelled.`, { cause: error });
      throw new InflowError('COPY_FAILED', `Could not copy ${source} into ${modelsDir}: ${(error as Error).message}`, { cause: error });
    }
    referenced = undefined;
  }
  const stored = referenced ?? path.join(modelsDir, file);
  const model: InstalledModel = {
    id,
    file,
    bytes,
    sha256: await sha256File(stored, options.signal),
    source: `file:${source}`,
    installedAt: new Date().toISOString(),
    ...(referenced === undefined ? {} : { path: referenced }),
  };
  registerInstalledModel(modelsDir, model);
  return { model, alreadyInstalled: false };
}
