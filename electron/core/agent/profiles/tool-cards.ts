import type { Tool } from '../../tools/tool.ts';
import { pythonRepr } from '../python-repr.ts';
import type { AbsentTool } from './prompt-profile.ts';
import { referenceCards } from './reference-cards.ts';

/** Property names of a tool's input, required ones first (the order positional arguments map to). */
export function inputPropertyNames(tool: Tool): string[] {
  const properties = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
  const required = new Set(Array.isArray(tool.inputSchema.required) ? (tool.inputSchema.required as string[]) : []);
  return [...properties.filter((p) => required.has(p)), ...properties.filter((p) => !required.has(p))];
}

/** Python's names for JSON schema types, as the reference's cards write input types ("str - ...", "bool - ..."). */
const pythonTypes: Readonly<Record<string, string>> = {
  string: 'str',
  number: 'float',
  integer: 'int',
  boolean: 'bool',
  array: 'list',
  object: 'dict',
  null: 'None',
};

function typeOf(schema: Record<string, unknown>, python = false): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (schema.type === 'array')
    return python
      ? `list[${typeOf((schema.items ?? {}) as Record<string, unknown>, true)}]`
      : `list of ${typeOf((schema.items ?? {}) as Record<string, unknown>)}`;
  if (Array.isArray(schema.oneOf)) return schema.oneOf.map((s) => typeOf(s as Record<string, unknown>, python)).join(' or ');
  if (typeof schema.type !== 'string') return python ? 'Any' : 'value';
  return python ? (pythonTypes[schema.type] ?? schema.type) : schema.type;
}

/** The reference's `input_types`: name → "type - description" (`python`: Python type names, as its cards). */
export function inputTypes(tool: Tool, python = false): Record<string, string> {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(
    inputPropertyNames(tool).map((name) => {
      const schema = properties[name] ?? {};
      const description = typeof schema.description === 'string' ? ` - ${schema.description}` : '';
      return [name, `${typeOf(schema, python)}${description}`];
    }),
  );
}

/** `execution = tool.execute(a=..., b=...)`, as the reference's demo commands. */
export function pythonCall(input: Record<string, unknown>): string {
  return `execution = tool.execute(${Object.entries(input)
    .map(([k, v]) => `${k}=${pythonRepr(v)}`)
    .join(', ')})`;
}

/**
 * The reference's `toolbox_metadata` entry of a tool (rendered with Python repr by the agentflow profile): for a
 * built-in tool the reference also has, its card word for word (reference-cards.ts); for any other tool one
 * built from the tool's own description in the same shape and key order.
 */
export function referenceMetadata(tool: Tool): Record<string, unknown> {
  const card = tool.source === 'builtin' ? referenceCards()[tool.name] : undefined;
  if (card !== undefined) return { ...card };
  return {
    tool_name: tool.name,
    tool_description: tool.description,
    tool_version: '1.0.0',
    input_types: inputTypes(tool, true),
    output_type: tool.output,
    demo_commands: tool.examples.map((example) => ({ command: pythonCall(example.input), description: example.description })),
    user_metadata: {
      limitation: tool.limitations.join(' '),
      best_practice: tool.bestPractices.join(' '),
    },
    require_llm_engine: false,
  };
}

/** A readable tool card for the structured profile. */
export function toolCard(tool: Tool): string {
  const lines = [`- ${tool.name}: ${tool.description}`];
  const types = inputTypes(tool);
  const required = new Set(Array.isArray(tool.inputSchema.required) ? (tool.inputSchema.required as string[]) : []);
  lines.push(
    `  Input: ${
      Object.entries(types)
        .map(([k, v]) => `${k} (${v}${required.has(k) ? '' : ', optional'})`)
        .join('; ') || 'none'
    }`,
  );
  lines.push(`  Output: ${tool.output}`);
  if (tool.limitations.length > 0) lines.push(`  Limitations: ${tool.limitations.join(' ')}`);
  if (tool.bestPractices.length > 0) lines.push(`  Best practices: ${tool.bestPractices.join(' ')}`);
  for (const example of tool.examples.slice(0, 2)) lines.push(`  Example: ${JSON.stringify(example.input)} (${example.description})`);
  return lines.join('\n');
}

export function absentToolsText(absent: readonly AbsentTool[]): string {
  if (absent.length === 0) return '';
  return `\nUnavailable tools (do not choose them):\n${absent.map((tool) => `- ${tool.name}: ${tool.reason}`).join('\n')}\n`;
}

export function knownFactsText(facts: readonly string[]): string {
  if (facts.length === 0) return '';
  return `\nFacts the user confirmed earlier:\n${facts.map((fact) => `- ${fact}`).join('\n')}\n`;
}
