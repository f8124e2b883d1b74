import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import type { Fetch } from '../net/network.ts';
import { readGgufFile } from '../gguf/gguf-reader.ts';
import { findCatalogModel, getCatalogModel, type CatalogModel } from './catalog.ts';
import { downloadFile, sha256File, type DownloadProgress } from './download-file.ts';
import { assertFits, estimateFit, systemBudget, type HardwareBudget } from './hardware-fit.ts';
import { listInstalledModels, registerInstalledModel, type InstalledModel } from './model-registry.ts';

export interface PullModelOptions {
  modelsDir: string;
  /** A catalog id, or any id when `url` is given. */
  id: string;
  /** Download from here instead of the catalog's URL (mirrors, custom models, tests). */
  url?: string;
  /** Catalog to look the id up in (default: the built-in one). */
  catalog?: readonly CatalogModel[];
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Called when the download is done and the file is being checked. */
  onVerify?: () => void;
  /** Measured RAM/VRAM (default: this machine's RAM, no VRAM). */
  budget?: HardwareBudget;
  freeBytes?: () => number;
  /** Download even if the model looks too large for this machine. */
  force?: boolean;
  /** The network module's fetcher('model-downloads') (policy and egress log); default: this computer only. */
  fetch?: Fetch;
}

export interface PullResult {
  model: InstalledModel;
  alreadyInstalled: boolean;
  resumed: boolean;
}

/**
 * Installs a model: checks it can fit this machine's memory and disk before downloading, downloads (resuming
 * an interrupted download), verifies the file (GGUF header and tensor extents, SHA-256 when the catalog has it)
 * and records it in the models folder's registry. A file that fails verification is deleted.
 */
export async function pullModel(options: PullModelOptions): Promise<PullResult> {
  const { modelsDir, id } = options;
  const catalogEntry = options.catalog === undefined ? findCatalogModel(id) : options.catalog.find((entry) => entry.id === id);
  if (catalogEntry === undefined && options.url === undefined) getCatalogModel(id);
  if (!/^[a-zA-Z0-9._-]+$/.test(id))
    throw new InflowError('INVALID_MODEL_ID', `"${id}" is not a valid model id (letters, digits, ".", "_" and "-").`);
  const installed = listInstalledModels(modelsDir).find((entry) => entry.id === id);
  if (installed !== undefined) return { model: installed, alreadyInstalled: true, resumed: false };

  if (catalogEntry !== undefined && options.force !== true) {
    assertFits(
      estimateFit({
        modelBytes: catalogEntry.approxBytes,
        kvBytes: catalogEntry.approxBytes * 0.1,
        budget: options.budget ?? systemBudget(),
        useGpu: (options.budget?.vramTotal ?? 0) > 0,
        label: catalogEntry.name,
      }),
    );
  }
  const url = options.url ?? catalogEntry?.url ?? '';
  const file = `${id}.gguf`;
  const destination = path.join(modelsDir, file);
  const download = await downloadFile({
    url,
    destination,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.freeBytes === undefined ? {} : { freeBytes: options.freeBytes }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  options.onVerify?.();
  let sha256: string;
  try {
    readGgufFile(destination);
    sha256 = await sha256File(destination, options.signal);
    if (catalogEntry?.sha256 !== undefined && catalogEntry.sha256 !== sha256) {
      throw new InflowError(
        'CHECKSUM_MISMATCH',
        `The downloaded ${id} does not match its published SHA-256 (got ${sha256.slice(0, 12)}…, expected ${catalogEntry.sha256.slice(0, 12)}…).`,
        {
          hint: 'The file was corrupted in transit or changed upstream; it was deleted. Pull it again.',
        },
      );
    }
  } catch (error) {
    fs.rmSync(destination, { force: true });
    if (InflowError.isInstance(error) && error.code !== 'CHECKSUM_MISMATCH' && error.code !== 'CANCELLED') {
      throw new InflowError(error.code, `The download from ${url} is not a usable model: ${error.message}`, {
        cause: error,
        hint: 'It was deleted. Check the URL, then pull again.',
      });
    }
    throw error;
  }
  const model: InstalledModel = { id, file, bytes: download.bytes, sha256, source: url, installedAt: new Date().toISOString() };
  registerInstalledModel(modelsDir, model);
  return { model, alreadyInstalled: false, resumed: download.resumed };
}
