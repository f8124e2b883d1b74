import type { TaskRecord } from '../../store/run-store.ts';

/** What the training loop asks of the agent: one run of a task, recorded in the database like any other run. */
export interface RolloutRequest {
  task: TaskRecord;
  /** `rollout` for training groups, `eval` for held-out checks. */
  kind: 'rollout' | 'eval';
  /** Rollouts of one task in one step share it (runs.group_id). */
  groupId: string | null;
  temperature: number;
  seed: number;
  signal?: AbortSignal;
}

export interface RolloutOutcome {
  runId: string;
  answer: string | null;
  stopReason: string;
  /** Why the run failed, when stopReason is 'error' (e.g. the question does not fit the context). */
  error?: string;
}

/**
 * Runs the agent once with the current planner (base model plus current adapter) and fresh memory, recording
 * every planner call as a `module_calls` row with module 'planner', its prompt and response token ids and the
 * log-probs at sampling time. See ./agent-rollout.ts for the one built on runAgent.
 */
export type RolloutAgent = (request: RolloutRequest) => Promise<RolloutOutcome>;

/** The planner the rollouts use, as the training loop needs to steer it between steps. */
export interface PlannerHandle {
  /** Hot-swaps the LoRA adapter (null: the base model alone). */
  setAdapter(path: string | null): Promise<void>;
  /** Frees the inference model's memory during an update when GPU memory is short; `reload` undoes it. */
  unload?(): Promise<void>;
  reload?(): Promise<void>;
  /** True when the GPU cannot hold the inference model and the trainer at once. */
  memoryIsShort?(): boolean;
  /** How many rollouts of a group may run at once (parallel sequences of one context). Default 1. */
  readonly parallelSequences?: number;
}
