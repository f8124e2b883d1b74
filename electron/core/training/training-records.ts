import type { TrainingConfig } from './flow-grpo/training-config.ts';

/** The records of the training tables as training-store.ts returns them. */
export type TrainingStatus = 'running' | 'paused' | 'completed' | 'cancelled' | 'failed';

export interface TrainingRunRecord {
  id: string;
  createdAt: number;
  endedAt: number | null;
  status: TrainingStatus;
  datasetId: string | null;
  baseModel: string;
  config: TrainingConfig;
  lastCompletedStep: number;
  error: string | null;
}

/** Metrics stored for each step; step 0 holds the base model's held-out accuracy. */
export interface StepMetrics {
  rewardMean?: number;
  rewardStd?: number;
  heldoutAccuracy?: number | null;
  loss?: number | null;
  kl?: number | null;
  clipFraction?: number | null;
  tokensPerSecond?: number | null;
  groups?: number;
  zeroGroups?: number;
  samples?: number;
  rollouts?: number;
  adapterId?: string | null;
  timings?: Record<string, number>;
  [key: string]: unknown;
}

/** A turn sample ready for the trainer. */
export interface StoredTurnSample {
  id: number;
  groupId: string;
  runId: string;
  reward: number;
  advantage: number | null;
  promptTokens: number[];
  responseTokens: number[];
  responseLogprobs: number[];
}
