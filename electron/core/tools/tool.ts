import type { JsonSchema, LanguageModel } from '../llm/language-model.ts';

/** An example call shown to the planner and executor, as the reference's `demo_commands`. */
export interface ToolExample {
  input: Record<string, unknown>;
  description: string;
}

export interface ToolContext {
  signal: AbortSignal;
  runId?: string;
  /** A model a tool may use (the generalist answers with it). */
  model?: LanguageModel;
}

/**
 * A tool card as in the reference (name, description, input schema, output, limitations, examples) plus what
 * running it needs. Built-in tools are written with `defineTool` (electron/core/tools/define-tool.ts, zod);
 * MCP tools come with a JSON schema from their server. The agent treats both the same way.
 */
export interface Tool {
  name: string;
  description: string;
  /** JSON schema of the input object; the executor's output is constrained to it. */
  inputSchema: JsonSchema;
  /** What the tool returns, in words. */
  output: string;
  limitations: string[];
  bestPractices: string[];
  examples: ToolExample[];
  /** Hard wall-clock limit of one call. */
  timeoutMs: number;
  /** Results longer than this (as JSON text) are cut before they reach memory. */
  maxOutputChars: number;
  /** Where it comes from: `builtin`, or `mcp:<server>`. */
  source: string;
  /** Ask the user before each call. */
  requiresApproval?: boolean;
  /** Checks and normalises an input; throws an InflowError (code TOOL_INPUT_INVALID) naming what is wrong. */
  validate(input: unknown): Record<string, unknown>;
  execute(input: Record<string, unknown>, context: ToolContext): Promise<unknown>;
}
