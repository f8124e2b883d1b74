import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { withFileLock } from '../store/file-lock.ts';
import { findCatalogModel } from './catalog.ts';

/** A model file installed in the data directory's models folder. */
export interface InstalledModel {
  id: string;
  /** File name inside the models folder. */
  file: string;
  bytes: number;
  sha256: string;
  source: string;
  installedAt: string;
  /**
   * Absolute path of a file the user added in place (`inflow models add FILE`): the registry references it
   * and removing the model never deletes it. Absent for files inside the models folder.
   */
  path?: string;
}

const REGISTRY_FILE = 'installed.json';

/** Where an installed model's file is: its referenced path, or its name inside the models folder. */
export function installedModelPath(modelsDir: string, entry: Pick<InstalledModel, 'file' | 'path'>): string {
  return entry.path ?? path.join(modelsDir, entry.file);
}

function registryPath(modelsDir: string): string {
  return path.join(modelsDir, REGISTRY_FILE);
}

/** Every registry entry, present or not (a referenced file may sit on a drive that is not mounted now). */
function readRegistry(modelsDir: string): InstalledModel[] {
  const file = registryPath(modelsDir);
  if (!fs.existsSync(file)) return [];
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as InstalledModel[];
  } catch (error) {
    throw new InflowError('MODEL_REGISTRY_CORRUPT', `${file} is not valid JSON.`, {
      cause: error,
      hint: 'Delete it; installed model files stay and can be pulled again.',
    });
  }
}

/** Installed models whose files are still present. */
export function listInstalledModels(modelsDir: string): InstalledModel[] {
  return readRegistry(modelsDir).filter((entry) => fs.existsSync(installedModelPath(modelsDir, entry)));
}

function writeRegistry(modelsDir: string, entries: InstalledModel[]): void {
  fs.mkdirSync(modelsDir, { recursive: true });
  const file = registryPath(modelsDir);
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, `${JSON.stringify(entries, null, 2)}\n`);
  fs.renameSync(temporary, file);
}

/** Read-modify-write of the registry under a lock file, so processes adding or removing models at once lose nothing. */
function updateRegistry<T>(modelsDir: string, update: (entries: InstalledModel[]) => { entries: InstalledModel[]; result: T }): T {
  fs.mkdirSync(modelsDir, { recursive: true });
  return withFileLock(`${registryPath(modelsDir)}.lock`, () => {
    const { entries, result } = update(readRegistry(modelsDir));
    writeRegistry(modelsDir, entries);
    return result;
  });
}

export function registerInstalledModel(modelsDir: string, entry: InstalledModel): void {
  updateRegistry(modelsDir, (entries) => ({ entries: [...entries.filter((existing) => existing.id !== entry.id), entry], result: undefined }));
}

/**
 * Removes an installed model's entry, and its file when the file lives in the models folder; a file referenced
 * in place (added with `models add`) stays where it is. Returns what was removed.
 */
export function removeInstalledModel(modelsDir: string, id: string): InstalledModel {
  return updateRegistry(modelsDir, (entries) => {
    const entry = entries.find(
      (candidate) => candidate.id === id && (candidate.path !== undefined || fs.existsSync(installedModelPath(modelsDir, candidate))),
    );
    if (entry === undefined) {
      throw new InflowError('MODEL_NOT_FOUND', `No installed model "${id}".`, { hint: 'Run "inflow models list" to see installed models.' });
    }
    if (entry.path === undefined) fs.rmSync(path.join(modelsDir, entry.file), { force: true });
    return { entries: entries.filter((candidate) => candidate.id !== id), result: entry };
  });
}

/** The file of an installed model; MODEL_NOT_INSTALLED (known id) or UNKNOWN_MODEL. */
export function resolveInstalledModel(modelsDir: string, id: string): string {
  const entry = listInstalledModels(modelsDir).find((candidate) => candidate.id === id);
  if (entry !== undefined) return installedModelPath(modelsDir, entry);
  const referenced = readRegistry(modelsDir).find((candidate) => candidate.id === id && candidate.path !== undefined);
  if (referenced?.path !== undefined) {
    throw new InflowError('MODEL_FILE_NOT_FOUND', `The model "${id}" uses ${referenced.path}, which is not there now.`, {
      hint: `Reconnect the drive or put the file back, or run "inflow models rm ${id}".`,
    });
  }
  if (findCatalogModel(id) !== undefined) {
    throw new InflowError('MODEL_NOT_INSTALLED', `The model "${id}" is not downloaded yet.`, { hint: `Run "inflow models pull ${id}".` });
  }
  throw new InflowError('UNKNOWN_MODEL', `There is no model "${id}" installed or in the catalog.`, {
    hint: 'Run "inflow models list", or pass a GGUF file path.',
  });
}
