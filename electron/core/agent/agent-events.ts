import type { StopReason } from '../store/run-store.ts';

/** Token and call counts of a run so far. */
export interface AgentUsage {
  promptTokens: number;
  responseTokens: number;
  totalTokens: number;
  modelCalls: number;
  toolCalls: number;
}

/**
 * What a run streams, in order: run-start, analysis, then per step step-start → plan → tool-call(s) →
 * tool-result(s) → verification, then answer-delta chunks and run-end (always last, exactly once).
 * The CLI prints them as a live trace; the desktop UI renders them.
 */
export type AgentEvent =
  | { type: 'run-start'; runId: string; taskId: string; question: string; profile: string; tools: string[] }
  | { type: 'analysis'; text: string }
  | { type: 'step-start'; step: number; maxSteps: number }
  | {
      type: 'plan';
      step: number;
      toolName: string | null;
      rawToolName: string;
      subGoal: string;
      context: string;
      justification: string;
      parsed: boolean;
    }
  | { type: 'tool-call'; step: number; toolName: string; input: Record<string, unknown>; command: string }
  | {
      type: 'tool-result';
      step: number;
      toolName: string;
      ok: boolean;
      output?: unknown;
      error?: { code: string; message: string };
      durationMs: number;
      truncated: boolean;
    }
  | { type: 'verification'; step: number; stop: boolean; analysis: string }
  | { type: 'answer-delta'; text: string }
  | { type: 'run-end'; runId: string; stopReason: StopReason; answer: string | null; usage: AgentUsage; error?: string };

export type AgentEventType = AgentEvent['type'];
