import type { ChatMessage, Generation, JsonSchema, SamplingOptions } from '../../llm/language-model.ts';
import type { Tool } from '../../tools/tool.ts';
import type { AgentMemory, MemoryFormat } from '../agent-memory.ts';

export type ProfileName = 'structured' | 'agentflow';
export type AgentModule = 'analyzer' | 'planner' | 'executor' | 'verifier' | 'generator';

/** A tool the user has but that is not offered in this run, and why (told to the planner). */
export interface AbsentTool {
  name: string;
  reason: string;
}

/** Everything a prompt may show. */
export interface PromptInputs {
  question: string;
  tools: readonly Tool[];
  absentTools: readonly AbsentTool[];
  knownFacts: readonly string[];
  memory: AgentMemory;
  /** Character budget of the rendered memory. */
  memoryChars: number;
  queryAnalysis: string;
  step: number;
  maxSteps: number;
}

export interface ModuleRequest {
  messages: ChatMessage[];
  jsonSchema?: JsonSchema;
  /** Response token cap for this call (before the run's token budget is applied). */
  maxTokens: number;
}

export interface PlanOutput {
  justification: string;
  context: string;
  subGoal: string;
  /** An enabled tool, or null when the output named none of them. */
  toolName: string | null;
  rawToolName: string;
  parsed: boolean;
}

export interface CommandOutput {
  /** The command as memory shows it (Python text for `agentflow`, JSON for `structured`). */
  command: string;
  /** Raw inputs, one per call, before the tool validates them. */
  calls: Array<Record<string, unknown>>;
  /** Why parts of the output could not be read. */
  errors: string[];
}

export interface VerificationOutput {
  stop: boolean;
  analysis: string;
  parsed: boolean;
}

/**
 * How the four modules talk to their models: the prompts, the output constraints and the parsing. The loop
 * in run-agent.ts is the same for every profile.
 */
export interface PromptProfile {
  readonly name: ProfileName;
  readonly memoryFormat: MemoryFormat;
  /** The planner's sampling unless the caller gives its own. */
  readonly plannerSampling: Readonly<SamplingOptions>;
  analyzer(inputs: PromptInputs): ModuleRequest;
  parseAnalysis(generation: Generation): string;
  planner(inputs: PromptInputs): ModuleRequest;
  parsePlan(generation: Generation, toolNames: readonly string[]): PlanOutput;
  /** The planner request with its tool choice fixed to `toolName` (a demonstration); absent where outputs are free text. */
  pinTool?(request: ModuleRequest, toolName: string): ModuleRequest;
  executor(inputs: PromptInputs, plan: PlanOutput, tool: Tool): ModuleRequest;
  parseCommand(generation: Generation, tool: Tool): CommandOutput;
  verifier(inputs: PromptInputs): ModuleRequest;
  parseVerification(generation: Generation): VerificationOutput;
  generator(inputs: PromptInputs): ModuleRequest;
  /** The answer in the generator's (possibly partial) output text. */
  answerFromText(text: string): string;
}

/** Response token caps per module of the structured profile (agentflow uses the reference's, agentflow-profile.ts). */
export const defaultModuleMaxTokens: Readonly<Record<AgentModule, number>> = {
  analyzer: 384,
  planner: 640,
  executor: 512,
  verifier: 512,
  generator: 768,
};
