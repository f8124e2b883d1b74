import { z } from 'zod';
import { InflowError } from '../errors.ts';
import type { Tool, ToolContext, ToolExample } from './tool.ts';
import { toGrammarSchema } from './grammar-schema.ts';

/** Defaults every tool gets unless its definition says otherwise. */
export const defaultToolTimeoutMs = 60_000;
export const defaultToolMaxOutputChars = 8_000;

export interface ToolDefinition<Input extends z.ZodObject> {
  name: string;
  description: string;
  /** A zod object; becomes the JSON schema the executor is constrained to and validates every call. */
  input: Input;
  output: string;
  limitations?: string[];
  bestPractices?: string[];
  examples?: Array<{ input: z.input<Input>; description: string }>;
  timeoutMs?: number;
  maxOutputChars?: number;
  source?: string;
  requiresApproval?: boolean;
  execute(input: z.output<Input>, context: ToolContext): Promise<unknown>;
}

/**
 * Defines a tool once, with a zod schema: adding a built-in tool is one file calling this. The JSON schema is
 * derived with `z.toJSONSchema` and reduced to what grammars accept; `validate` runs the zod schema and
 * throws TOOL_INPUT_INVALID naming each wrong field.
 */
export function defineTool<Input extends z.ZodObject>(definition: ToolDefinition<Input>): Tool {
  const inputSchema = toGrammarSchema(z.toJSONSchema(definition.input, { io: 'input', unrepresentable: 'any' }), { notes: false, closed: true });
  const validate = (input: unknown): Record<string, unknown> => {
    const result = definition.input.safeParse(input);
    if (result.success) return result.data as Record<string, unknown>;
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
    throw new InflowError('TOOL_INPUT_INVALID', `Invalid input for ${definition.name}: ${problems}.`, {
      hint: `Expected an object matching ${JSON.stringify(inputSchema)}.`,
    });
  };
  return {
    name: definition.name,
    description: definition.description,
    inputSchema,
    output: definition.output,
    limitations: definition.limitations ?? [],
    bestPractices: definition.bestPractices ?? [],
    examples: (definition.examples ?? []) as ToolExample[],
    timeoutMs: definition.timeoutMs ?? defaultToolTimeoutMs,
    maxOutputChars: definition.maxOutputChars ?? defaultToolMaxOutputChars,
    source: definition.source ?? 'builtin',
    ...(definition.requiresApproval === undefined ? {} : { requiresApproval: definition.requiresApproval }),
    validate,
    execute: (input, context) => definition.execute(validate(input) as z.output<Input>, context),
  };
}
