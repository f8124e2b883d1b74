import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InflowError } from '../errors.ts';
import type { Tool, ToolContext } from '../tools/tool.ts';
import { isAskFirst, type McpServerConfig } from './mcp-config.ts';
import type { McpToolDefinition } from './mcp-connection.ts';
import { resultToText } from './mcp-result.ts';
import { toGrammarSchema } from '../tools/grammar-schema.ts';
import { createInputValidator } from './input-validator.ts';

const maxDescriptionChars = 1200;
const toolTimeoutGraceMs = 1000;

export interface McpToolOptions {
  server: McpServerConfig;
  definition: McpToolDefinition;
  /** The unique name the planner sees (see `mcpToolName`). */
  name: string;
  /** Sends the call to the server (the manager's `callTool`, which starts or restarts it as needed). */
  call(input: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }): Promise<CallToolResult>;
}

function limitationsOf(server: McpServerConfig, definition: McpToolDefinition): string[] {
  const hints = definition.annotations ?? {};
  const limitations = [`Runs in the external MCP server "${server.name}"; Inflow does not check what it returns.`];
  if (hints.readOnlyHint !== true)
    limitations.push(
      hints.destructiveHint === false ? 'May change things (it is not read-only).' : 'May change or delete data (it is not read-only).',
    );
  if (hints.openWorldHint === true) limitations.push('Reaches outside this computer.');
  if (isAskFirst(server, definition)) limitations.push('Each call waits for the user to allow it; a denied call does not run.');
  return limitations;
}

function requiredFields(definition: McpToolDefinition): string[] {
  return Array.isArray(definition.inputSchema.required)
    ? definition.inputSchema.required.filter((item): item is string => typeof item === 'string')
    : [];
}

/**
 * Turns a tool the MCP server lists into an Inflow tool card: the server's description, its input schema (rewritten
 * into the grammar subset so the executor's call is constrained to it, and checked against the server's full schema
 * before sending), a timeout and output cap from the server's settings, `source: mcp:<server>` and "ask first" from
 * the config. A result the server flags as an error becomes an MCP_TOOL_ERROR with its text.
 */
export function createMcpTool(options: McpToolOptions): Tool {
  const { server, definition, name } = options;
  const description = (definition.description ?? definition.title ?? `Tool "${definition.name}" of the MCP server "${server.name}".`).trim();
  const required = requiredFields(definition);
  const validate = createInputValidator(name, definition.inputSchema as Record<string, unknown>);
  return {
    name,
    description: description.length > maxDescriptionChars ? `${description.slice(0, maxDescriptionChars - 3)}...` : description,
    inputSchema: toGrammarSchema(definition.inputSchema),
    output:
      definition.outputSchema === undefined
        ? `The text the MCP tool "${definition.name}" of server "${server.name}" returns.`
        : `The text (JSON when the tool returns structured content) that the MCP tool "${definition.name}" of server "${server.name}" returns.`,
    limitations: limitationsOf(server, definition),
    bestPractices: [
      required.length === 0
        ? 'Give only fields from the input schema.'
        : `Always give the required fields (${required.join(', ')}) and only fields from the input schema.`,
    ],
    examples: [],
    // A little over the call's own limit, so that the MCP timeout (which also restarts a hung server) answers first.
    timeoutMs: server.timeoutMs + toolTimeoutGraceMs,
    maxOutputChars: server.maxOutputChars,
    source: `mcp:${server.name}`,
    requiresApproval: isAskFirst(server, definition),
    validate,
    async execute(input: Record<string, unknown>, context: ToolContext): Promise<unknown> {
      const result = await options.call(validate(input), { signal: context.signal, timeoutMs: server.timeoutMs });
      const text = resultToText(result, server.maxOutputChars);
      if (text.isError) {
        throw new InflowError('MCP_TOOL_ERROR', `The MCP tool "${definition.name}" of server "${server.name}" returned an error: ${text.text}`, {
          details: { server: server.name, tool: definition.name },
        });
      }
      return text.text;
    },
  };
}
