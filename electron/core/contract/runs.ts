import { z } from 'zod';
import { method } from './method.ts';
import { idSchema, pageSchema, stopReasonSchema } from './common.ts';
import type { StopReason } from './common.ts';

export interface RunSummary {
  id: string;
  taskId: string;
  question: string;
  kind: 'ask' | 'rollout' | 'eval';
  status: 'running' | 'ended';
  stopReason: StopReason | null;
  createdAt: number;
  endedAt: number | null;
  answer: string | null;
  plannerModel: string | null;
  plannerAdapterId: string | null;
  steps: number;
  /** Latest reward in [0, 1], if any. */
  reward: number | null;
  /** The user's rating, if given. */
  rating: 1 | -1 | null;
}

export interface RunStepView {
  idx: number;
  toolName: string | null;
  subGoal: string | null;
  context: string | null;
  command: unknown;
  result: unknown;
  verification: unknown;
  createdAt: number;
}

export interface ModuleCallView {
  id: number;
  stepIdx: number | null;
  module: string;
  modelId: string | null;
  adapterId: string | null;
  promptText: string;
  responseText: string;
  promptTokenCount: number;
  responseTokenCount: number;
  /** Mean log-prob of the response tokens, when recorded. */
  meanLogprob: number | null;
  durationMs: number;
  startedAt: number;
}

export interface RewardView {
  value: number;
  source: string;
  createdAt: number;
}

export interface RunDetail {
  run: RunSummary;
  error: string | null;
  totalTokens: number;
  config: Record<string, unknown>;
  steps: RunStepView[];
  calls: ModuleCallView[];
  rewards: RewardView[];
}

export const listRunsInputSchema = z
  .object({
    search: z.string().max(500).optional(),
    kind: z.enum(['ask', 'rollout', 'eval']).optional(),
    stopReason: stopReasonSchema.optional(),
    ...pageSchema,
  })
  .strict()
  .optional();

/** History: every stored run with its trajectory and rewards. */
export const runsContract = {
  list: method<RunSummary[]>()(listRunsInputSchema),
  get: method<RunDetail>()(z.object({ runId: idSchema }).strict()),
};
