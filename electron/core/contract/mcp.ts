import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput } from './common.ts';

export interface McpServerView {
  name: string;
  transport: 'stdio' | 'http';
  /** The command line or URL. */
  target: string;
  disabled: boolean;
  disabledTools: string[];
  askFirstTools: string[];
  /** May not reach other computers (HTTP: loopback URL only; stdio: started without a network). */
  localOnly: boolean;
  running: boolean;
}

export interface McpOverview {
  /** The JSON file the servers are kept in (the shape other MCP clients use). */
  file: string;
  servers: McpServerView[];
  /** Entries that could not be read, with what is wrong. */
  errors: Array<{ name: string; code: string; message: string }>;
}

export interface McpToolView {
  /** The server's own tool name. */
  tool: string;
  description: string;
  enabled: boolean;
  askFirst: boolean;
}

const serverName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/, 'use 1-48 letters, digits, "-", "_" or ".", starting with a letter or digit');
const toolName = z.string().min(1).max(200);

export const addMcpServerSchema = z
  .object({
    name: serverName,
    /** A command line to start a stdio server, e.g. `npx -y @modelcontextprotocol/server-filesystem ~/notes`. */
    command: z.string().trim().min(1).max(4000).optional(),
    args: z.array(z.string().max(4000)).max(100).optional(),
    /** Or the URL of a streamable HTTP server. */
    url: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict()
  .refine((value) => (value.command === undefined) !== (value.url === undefined), { message: 'give either a command or a URL', path: ['command'] });

/** MCP servers as tool providers: the same config file as `inflow mcp`. */
export const mcpContract = {
  servers: method<McpOverview>()(emptyInput),
  tools: method<McpToolView[]>()(z.object({ name: serverName }).strict()),
  add: method<McpOverview>()(addMcpServerSchema),
  remove: method<McpOverview>()(z.object({ name: serverName }).strict()),
  setEnabled: method<McpOverview>()(z.object({ name: serverName, enabled: z.boolean(), tool: toolName.optional() }).strict()),
  setLocalOnly: method<McpOverview>()(z.object({ name: serverName, localOnly: z.boolean() }).strict()),
  setAskFirst: method<McpOverview>()(z.object({ name: serverName, tool: toolName, askFirst: z.boolean() }).strict()),
};
