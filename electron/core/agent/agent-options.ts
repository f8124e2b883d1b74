import type { LanguageModel, SamplingOptions } from '../llm/language-model.ts';
import type { RunKind, RunStore, StopReason } from '../store/run-store.ts';
import type { Tool } from '../tools/tool.ts';
import type { AgentEvent, AgentUsage } from './agent-events.ts';
import type { AbsentTool, AgentModule, ProfileName } from './profiles/prompt-profile.ts';
import type { AgentLimits } from './run-budget.ts';

/** Options and result of runAgent (see run-agent.ts for the behaviour). */
export interface AgentModels {
  /** The trainable policy (optionally with a LoRA adapter). */
  planner: LanguageModel;
  /** The model of the fixed modules when they are not set one by one (normally the planner's base without adapter). */
  fixed?: LanguageModel;
  analyzer?: LanguageModel;
  executor?: LanguageModel;
  verifier?: LanguageModel;
  generator?: LanguageModel;
}

/** A tool call waiting for the user's approval (tools with `requiresApproval`). */
export interface ToolApprovalRequest {
  runId: string;
  step: number;
  toolName: string;
  input: Record<string, unknown>;
  tool: Tool;
}

export interface RunAgentOptions {
  question: string;
  /** Re-run an existing task (rollouts, evals); otherwise a task is created for the question. */
  taskId?: string;
  models: AgentModels;
  tools: readonly Tool[];
  /** Tools the user has that are off in this run, with why; the planner is told. */
  absentTools?: readonly AbsentTool[];
  /** Long-term memory entries relevant to the question. */
  knownFacts?: readonly string[];
  profile?: ProfileName;
  limits?: Partial<AgentLimits>;
  plannerSampling?: SamplingOptions;
  fixedSampling?: SamplingOptions;
  moduleMaxTokens?: Partial<Record<AgentModule, number>>;
  /** Token budget of the rendered memory in prompts; default 40 % of the planner's context. */
  memoryTokenBudget?: number;
  /**
   * A demonstration: the tool the planner must choose at each step (the first at step 1, and so on), its other fields
   * written by the planner itself. Later steps choose freely. Approved (thumbs up), such a run teaches the planner its
   * tool choices through `inflow train --objective sft` (docs/training.md). Structured profile only.
   */
  pinnedTools?: readonly string[];
  /** Base seed of the planner's sampling (step n uses seed + n). */
  seed?: number;
  store?: RunStore;
  runKind?: RunKind;
  groupId?: string;
  /** Extra configuration stored with the run (e.g. dataset item, training step). */
  runConfig?: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (event: AgentEvent) => void;
  /** Asked before each call of a tool with `requiresApproval`; a denied call goes into memory as denied. */
  approveToolCall?: (request: ToolApprovalRequest) => Promise<boolean>;
}

export interface AgentStepResult {
  step: number;
  toolName: string | null;
  subGoal: string;
  context: string;
  command: string;
  result: unknown;
  stop: boolean | null;
}

export interface RunAgentResult {
  runId: string;
  taskId: string;
  answer: string | null;
  stopReason: StopReason;
  steps: AgentStepResult[];
  usage: AgentUsage;
  /** Set when stopReason is 'error'. */
  error?: string;
}
