import type { SerializedError } from '../../errors.ts';

/** LoRA shape of the planner's adapter. Targets: q, k, v, o (attention projections), gate, up, down (MLP). */
export interface LoraConfig {
  rank: number;
  alpha: number;
  targets: string[];
  seed?: number;
}

/** One planner turn sample: the full prompt the planner saw, what it generated, the log-probs at sampling time. */
export interface TrainSample {
  promptTokens: number[];
  responseTokens: number[];
  /** Broadcast to every response token of the turn. */
  advantage: number;
  /** Scales the sample's tokens (SFT: e.g. how much a demonstration counts; default 1). */
  weight?: number;
  oldLogprobs?: number[];
  /**
   * The task group the sample's rollout belongs to (its index in the step). Mini-batches keep a group whole, as verl
   * splits a step by prompts with each prompt's rollouts together; without it samples are split one by one.
   */
  group?: number;
}

/**
 * One training step: the Flow-GRPO update as the reference runs it (the clipped ratio objective with dual clip,
 * k3 KL to the base model, AdamW with gradient clipping), or SFT. The samples are shuffled and split into
 * `miniBatches` optimizer updates per epoch; for GRPO the old policy's log-probs are computed once, before the first
 * update, by the adapter that sampled the rollouts, so later updates see ratios that move and clipping that binds.
 */
export interface TrainStepRequest {
  samples: TrainSample[];
  objective: 'grpo' | 'sft';
  clipLow: number;
  clipHigh: number;
  /** Dual-clip bound c for negative advantages (0: off). */
  dualClip?: number;
  klBeta: number;
  learningRate: number;
  weightDecay?: number;
  maxGradNorm?: number;
  /** Optimizer updates per pass over the samples (PPO mini-batches; default 1). */
  miniBatches?: number;
  /** Passes over the samples (PPO epochs; default 1). */
  epochs?: number;
  /** Seed of the shuffle into mini-batches. */
  seed?: number;
}

/** One optimizer update (one mini-batch). */
export interface UpdateMetrics {
  loss: number;
  kl: number;
  /** Fraction of the mini-batch's response tokens (with A != 0) where a clip bound binds: no gradient from them. */
  clipFraction: number;
  samples: number;
  skipped?: string;
}

export interface TrainStepResult {
  /** Means over the updates. */
  loss: number;
  kl: number;
  clipFraction: number;
  /** Tokens through the model (prompts and responses), the basis of the update's tokens/s. */
  tokens: number;
  durationMs: number;
  /** Set when the trainer refused to apply an update (a non-finite loss or gradient), with why. */
  skipped?: string;
  /** Per optimizer update, in order. */
  updates?: UpdateMetrics[];
}

export interface TrainerInit {
  modelPath: string;
  lora: LoraConfig;
  threads?: number;
  /** The longest sample (prompt + response tokens) the trainer must take: the rollouts' context size. */
  maxSampleTokens?: number;
  /** Continue from this adapter's LoRA weights (its rank, alpha and targets replace `lora`'s). */
  resumeAdapter?: string;
  /** The KL reference: this adapter on the base model (default: the base alone). */
  referenceAdapter?: string;
  /** Where the update runs (device-self-check.ts `chooseTrainingDevice` decides); default 'auto'. */
  device?: 'auto' | 'cpu' | 'gpu';
}

export type TrainerCommand =
  | { id: number; type: 'init'; init: TrainerInit }
  | { id: number; type: 'step'; request: TrainStepRequest }
  | { id: number; type: 'saveAdapter'; path: string }
  | { id: number; type: 'saveState'; path: string }
  | { id: number; type: 'loadState'; path: string }
  | { id: number; type: 'close' };

export type TrainerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { type: 'progress'; phase: string; detail?: Record<string, unknown> };

/**
 * The trainer as the training loop sees it: a promise API whatever process it lives in (a child process for
 * the CLI, an Electron utility process in the app, or in-process for small tests).
 */
export interface PolicyTrainer {
  step(request: TrainStepRequest): Promise<TrainStepResult>;
  /** Writes the current LoRA weights as a GGUF adapter that node-llama-cpp can load. */
  saveAdapter(path: string): Promise<void>;
  /** Writes LoRA weights and optimizer moments, so a restarted run continues exactly. */
  saveState(path: string): Promise<void>;
  loadState(path: string): Promise<void>;
  close(): Promise<void>;
}
