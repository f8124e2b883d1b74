import fs from 'node:fs';
import { dataPaths, type DataPaths } from './paths.ts';
import { degradedReasonOf, openDatabase, type Database } from './store/database.ts';
import { storageError } from './store/storage-errors.ts';
import { RunStore } from './store/run-store.ts';
import { RunHistory } from './store/run-history.ts';
import { RewardStore } from './store/reward-store.ts';
import { McpManager } from './mcp/mcp-manager.ts';
import { Network } from './net/network.ts';
import { EgressLog } from './net/egress-log.ts';
import { SettingsService } from './api/settings-service.ts';
import { LongTermMemory } from './memory/long-term-memory.ts';
import { DatasetStore } from './datasets/dataset-store.ts';
import { AdapterRegistry } from './adapters/adapter-registry.ts';
import { TrainingStore } from './training/training-store.ts';
import { EvalStore } from './eval/eval-store.ts';
import { ModelLoader } from './llm/model-loader.ts';
import { KnowledgeIndex } from './knowledge/knowledge-index.ts';
import type { Embedder } from './knowledge/embedder.ts';

export interface BackendOptions {
  dataDir: string;
}

/**
 * The back end that the CLI, the Electron main process and the e2e test bridge all drive, and the composition root
 * of its services: one data directory, one database, the settings, the stores over it and the model loader, built once here. The app's
 * services (api/create-api.ts) and the CLI commands take them from here instead of building their own. Models are
 * loaded on demand through `modelLoader`; the trainer runs in its own process.
 */
export interface Backend {
  paths: DataPaths;
  db: Database;
  /** The user's settings over their defaults (contract/settings.ts). */
  settings: SettingsService;
  /** Tasks, runs, steps and module calls. */
  runs: RunStore;
  /** Queries across runs (the Runs screen and `inflow runs list`, the app's counts). */
  history: RunHistory;
  /** Rewards and feedback of runs. */
  rewards: RewardStore;
  /** Long-term memory (facts and preferences). */
  memory: LongTermMemory;
  datasets: DatasetStore;
  /** LoRA adapters per base model and which one is active. */
  adapters: AdapterRegistry;
  /** Training runs, their steps, checkpoints, rollout groups and turn samples. */
  training: TrainingStore;
  evaluations: EvalStore;
  /** The one way a model is loaded for inference, with the context defaults of contract/defaults.ts. */
  modelLoader: ModelLoader;
  /**
   * The user's knowledge index over this database, the one way a front end reaches it: `embedder` is the embedding
   * model the front end opened (the CLI's `--embed-model`, the app's setting); none: keyword search only.
   */
  knowledge(embedder?: Embedder | null): KnowledgeIndex;
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
    settings,
    runs,
    history: new RunHistory(db),
    rewards: new RewardStore(db),
    memory: new LongTermMemory(db),
    datasets: new DatasetStore(db),
    adapters: new AdapterRegistry(db),
    training: new TrainingStore(db),
    evaluations: new EvalStore(db),
    modelLoader: new ModelLoader({ modelsDir: paths.models }),
    knowledge: (embedder) => new KnowledgeIndex(db, embedder ? { embedder } : {}),
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
