import type { Backend } from '../backend.ts';
import type { AppInfo } from '../contract/app.ts';
import type { InstalledModel } from '../contract/models.ts';

const version = '0.1.0';

/** Where the data lives and how much of it there is (the first-run checklist reads the counts). */
export function readAppInfo(backend: Backend, installed: InstalledModel[]): AppInfo {
  return {
    version,
    dataDir: backend.paths.dataDir,
    databasePath: backend.paths.database,
    modelsDir: backend.paths.models,
    platform: process.platform,
    counts: {
      runs: backend.history.countAsks(),
      models: installed.length,
      memory: backend.memory.count(),
      datasets: backend.datasets.count(),
    },
  };
}
