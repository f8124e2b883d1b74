import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput, idSchema } from './common.ts';
import type { StopReason } from './common.ts';

export interface ToolInfo {
  name: string;
  /** Short name for display (python, generalist, web …). */
  label: string;
  description: string;
  /** False when the tool cannot be used now (for example network tools while privacy forbids them). */
  available: boolean;
  /** Why it is unavailable, in words a user can act on. */
  reason: string | null;
  /** On by default for new tasks. */
  defaultEnabled: boolean;
}

/** One event of a live run, as the Ask screen draws it. `seq` orders events within a run. */
export type TraceEvent =
  | { type: 'run-start'; runId: string; seq: number; question: string; at: number }
  | { type: 'analysis'; runId: string; seq: number; text: string; at: number }
  | { type: 'step-start'; runId: string; seq: number; step: number; at: number }
  | { type: 'plan'; runId: string; seq: number; step: number; subGoal: string; toolName: string; context: string; at: number }
  | { type: 'tool-call'; runId: string; seq: number; step: number; toolName: string; command: unknown; at: number }
  | {
      type: 'tool-result';
      runId: string;
      seq: number;
      step: number;
      toolName: string;
      result: unknown;
      isError: boolean;
      durationMs: number;
      at: number;
    }
  | { type: 'verification'; runId: string; seq: number; step: number; analysis: string; stop: boolean; at: number }
  | { type: 'answer-delta'; runId: string; seq: number; text: string; at: number }
  | { type: 'run-end'; runId: string; seq: number; stopReason: StopReason; answer: string | null; error: string | null; at: number };

export const askInputSchema = z
  .object({
    question: z.string().trim().min(1, 'type a question or task first').max(20_000),
    /** Tool names to allow for this task; omitted means the defaults. */
    tools: z.array(z.string().min(1).max(100)).max(50).optional(),
    maxSteps: z.number().int().min(1).max(50).optional(),
    /** A demonstration: the tool the planner must choose at step 1, 2, ... (agent-options.ts `pinnedTools`). */
    pinnedTools: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
  })
  .strict();

export const feedbackInputSchema = z
  .object({
    runId: idSchema,
    rating: z.union([z.literal(1), z.literal(-1)]),
    comment: z.string().max(2000).optional(),
    /** What the answer should have been: becomes the task's expected answer, so training learns from it. */
    correctedAnswer: z.string().trim().min(1).max(20_000).optional(),
  })
  .strict();

export interface FeedbackResult {
  runId: string;
  rating: 1 | -1;
  /** The reward it became, in [0, 1]. */
  reward: number;
}

/** A tool call waiting for the user (tools marked "ask first"); `state` changes once it is answered. */
export interface ToolApprovalView {
  requestId: string;
  runId: string;
  step: number;
  toolName: string;
  /** Where the tool comes from: builtin or mcp:<server>. */
  source: string;
  input: Record<string, unknown>;
  state: 'pending' | 'allowed' | 'denied';
}

/** Asking the agent: start a run (its trace arrives as `run-trace` events), cancel it, rate it. */
export const askContract = {
  tools: method<ToolInfo[]>()(emptyInput),
  start: method<{ runId: string; taskId: string }>()(askInputSchema),
  cancel: method<{ cancelled: boolean }>()(z.object({ runId: idSchema }).strict()),
  feedback: method<FeedbackResult>()(feedbackInputSchema),
  approve: method<{ resolved: boolean }>()(z.object({ requestId: idSchema, allow: z.boolean() }).strict()),
};
