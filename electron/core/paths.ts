import os from 'node:os';
import path from 'node:path';

/** Environment variable that overrides where Inflow keeps its database, models and adapters. */
export const DATA_DIR_ENV = 'INFLOW_DATA_DIR';

/**
 * The data directory by each platform's convention: `%APPDATA%\Inflow` on Windows,
 * `~/Library/Application Support/Inflow` on macOS, `$XDG_DATA_HOME/inflow` (else `~/.local/share/inflow`)
 * elsewhere. An explicit directory or `INFLOW_DATA_DIR` wins.
 */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Inflow');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Inflow');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'inflow');
}

/** Where things live inside a data directory. */
export function dataPaths(dataDir: string) {
  return {
    dataDir,
    database: path.join(dataDir, 'inflow.db'),
    models: path.join(dataDir, 'models'),
    adapters: path.join(dataDir, 'adapters'),
    knowledge: path.join(dataDir, 'knowledge'),
    exports: path.join(dataDir, 'exports'),
    reports: path.join(dataDir, 'reports'),
    mcpConfig: path.join(dataDir, 'mcp.json'),
    settings: path.join(dataDir, 'settings.json'),
  } as const;
}
export type DataPaths = ReturnType<typeof dataPaths>;

/** The repository root (for bundled resources such as prompts and defaults). */
export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const resourcesDir = path.join(repoRoot, 'resources');
