import fs from 'node:fs';
import { dataPaths, type DataPaths } from './paths.ts';
import { degradedReasonOf, openDatabase, type Database } from './store/database.ts';
import { storageError } from './store/storage-errors.ts';
import { RunStore } from './store/run-store.ts';
import { McpManager } from './mcp/mcp-manager.ts';
import { Network } from './net/network.ts';
import { EgressLog } from './net/egress-log.ts';
import { SettingsService } from './api/settings-service.ts';

export interface BackendOptions {
  dataDir: string;
}

/**
 * The back end that the CLI, the Electron main process and the e2e test bridge all drive: one data
 * directory, one database, the stores over it. Heavy parts (models, trainer) are created on demand by
 * their own modules and take what they need from here.
 */
export interface Backend {
  paths: DataPaths;
  db: Database;
  runs: RunStore;
  /** MCP servers as tools (created on first use; their processes are closed with the back end). */
  readonly mcp: McpManager;
  /** The one way out of this computer: every outbound request, checked against the privacy settings and logged. */
  network: Network;
  egress: EgressLog;
  close(): Promise<void>;
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const paths = dataPaths(options.dataDir);
  fs.mkdirSync(paths.dataDir, { recursive: true });
  const db = openDatabase(paths.database);
  const runs = new RunStore(db);
  // On a full disk or a read-only data folder the database is open for reading only: nothing to close then.
  if (degradedReasonOf(db) === undefined) {
    try {
      runs.closeInterruptedRuns();
    } catch (error) {
      if (storageError(error) === undefined) throw error;
    }
  }
  const closers: Array<() => Promise<void> | void> = [];
  let mcp: McpManager | undefined;
  const settings = new SettingsService(db);
  const egress = new EgressLog(db);
  const network = new Network({ privacy: () => settings.read().privacy, log: egress });
  return {
    paths,
    db,
    runs,
    network,
    egress,
    get mcp() {
      if (mcp === undefined) {
        const manager = new McpManager({ configFile: paths.mcpConfig, network });
        closers.push(() => manager.closeAll());
        mcp = manager;
      }
      return mcp;
    },
    async close() {
      for (const close of closers.reverse()) await close();
      if (db.open) db.close();
    },
  };
}
