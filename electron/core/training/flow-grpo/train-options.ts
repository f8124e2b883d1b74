import type { AdapterRecord, AdapterRegistry } from '../../adapters/adapter-registry.ts';
import type { DatasetStore } from '../../datasets/dataset-store.ts';
import type { Database } from '../../store/database.ts';
import type { RunHistory } from '../../store/run-history.ts';
import type { RunStore } from '../../store/run-store.ts';
import type { StepMetrics, TrainingRunRecord, TrainingStore } from '../training-store.ts';
import type { PolicyTrainer, TrainerInit } from '../trainer/trainer-protocol.ts';
import type { LearningWarning } from './learning-signal.ts';
import type { RewardOptions } from './rewards.ts';
import type { PlannerHandle, RolloutAgent } from './rollout-agent.ts';
import type { TrainingConfig } from './training-config.ts';

/** What the Flow-GRPO loop (training-loop.ts) takes, tells as it goes, and returns. */
export type TrainingPhase = 'trainer' | 'baseline' | 'rollout' | 'update' | 'swap' | 'eval' | 'checkpoint' | 'idle-wait';
/** 'reproduced': an SFT run with `untilReproduced` reproduces every demonstration (demonstration-replay.ts). */
export type TrainingStopReason = 'steps' | 'budget' | 'plateau' | 'cancelled' | 'reproduced';

export type TrainingEvent =
  | { type: 'started'; run: TrainingRunRecord; resumedFromStep: number }
  | { type: 'phase'; step: number; phase: TrainingPhase }
  | { type: 'rollout'; step: number; done: number; total: number }
  | { type: 'step'; step: number; metrics: StepMetrics }
  | { type: 'promoted'; adapter: AdapterRecord }
  | { type: 'warning'; step: number; warning: LearningWarning }
  | { type: 'stopped'; reason: TrainingStopReason };

/** The stores the loop writes and reads: the back end's (backend.ts), which launch-training.ts passes. */
export interface TrainStores {
  training: TrainingStore;
  datasets: DatasetStore;
  adapters: AdapterRegistry;
  /** The approved planner turns of an SFT run (training/flow-grpo/demonstrations.ts). */
  history: RunHistory;
}

export interface TrainOptions {
  /** The database, over which the stores are built when `stores` is absent. */
  db: Database;
  /**
   * The back end's stores (launch-training.ts passes them); absent (callers that hold only a database, e.g. the
   * learning suites in test/integration/training): built over `db`.
   */
  stores?: TrainStores;
  runs: RunStore;
  /** Start a new run on this dataset (id or name) ... */
  datasetId?: string;
  /** ... or resume this run from its last completed step. */
  resumeRunId?: string;
  /** Path of the base GGUF model the planner runs and the trainer adapts. */
  baseModel?: string;
  config?: Partial<TrainingConfig>;
  agent: RolloutAgent;
  planner: PlannerHandle;
  startTrainer: (init: TrainerInit) => Promise<PolicyTrainer>;
  /** Where adapters and trainer checkpoints go (the data directory's `adapters/`). */
  adaptersDir: string;
  judge?: RewardOptions['judge'];
  signal?: AbortSignal;
  onEvent?: (event: TrainingEvent) => void;
  /** Default: the one-minute load average per core is below `config.idleLoad`. */
  isIdle?: () => boolean;
  /** How often a busy machine is checked again (default 5 s). */
  idlePollMs?: number;
}

export interface TrainResult {
  trainingRunId: string;
  stopReason: TrainingStopReason;
  lastCompletedStep: number;
  baselineAccuracy: number | null;
  bestAdapter: AdapterRecord | null;
  /** Why the run did not learn, when it did not (also emitted as 'warning' events). */
  warnings: LearningWarning[];
}
