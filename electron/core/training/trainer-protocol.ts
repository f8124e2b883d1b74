import type { SerializedError } from '../errors.ts';

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
  oldLogprobs?: number[];
}

/** One Flow-GRPO update (the clipped objective, k3 KL to the base model, AdamW with gradient clipping). */
export interface TrainStepRequest {
  samples: TrainSample[];
  objective: 'grpo';
  clipLow: number;
  clipHigh: number;
  klBeta: number;
  learningRate: number;
  weightDecay?: number;
  maxGradNorm?: number;
}

export interface TrainStepResult {
  loss: number;
  kl: number;
  clipFraction: number;
  /** Tokens through the model (prompts and responses), the basis of the update's tokens/s. */
  tokens: number;
  durationMs: number;
  /** Set when the trainer refused to apply the update (a non-finite loss or gradient), with why. */
  skipped?: string;
}

export interface TrainerInit {
  modelPath: string;
  lora: LoraConfig;
  threads?: number;
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
