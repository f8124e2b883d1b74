import { InflowError } from '../errors.ts';

/** A server started as a child process that speaks MCP over its stdin/stdout. */
export interface McpStdioServer {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** A server reached over MCP's streamable HTTP transport. */
export interface McpHttpServer {
  transport: 'http';
  url: string;
  headers: Record<string, string>;
}

/** Inflow's own settings for one server, kept in the same JSON entry as the connection fields. */
export interface McpServerSettings {
  /** The whole server is off: none of its tools reach the agent and it is never started. */
  disabled: boolean;
  /** Tool names (as the server names them) the agent never sees. */
  disabledTools: string[];
  /** Tool names that pause the run for the user's approval before each call; `*` means every tool. */
  askFirstTools: string[];
  /**
   * Tool names the user allowed to run without asking. Without an entry in either list, a tool asks first
   * unless the server annotates it read-only (`readOnlyHint: true`).
   */
  autoApproveTools: string[];
  /** Wall-clock limit of one tool call. */
  timeoutMs: number;
  /** Results longer than this many characters are cut, with a note saying so. */
  maxOutputChars: number;
  /**
   * The server may not reach other computers: an HTTP server only at a loopback address; a stdio server is started
   * without a network (Linux: its own empty network namespace through `unshare`; refused where that is not possible).
   */
  localOnly: boolean;
}

export type McpServerConfig = (McpStdioServer | McpHttpServer) & McpServerSettings & { name: string };

/** A server entry that could not be read; the rest of the file still works. */
export interface McpServerConfigError {
  name: string;
  error: InflowError;
}

export const mcpDefaults = { timeoutMs: 60_000, maxOutputChars: 16_000 } as const;

/** The keys this module reads; anything else in an entry is kept as is (other clients' fields). */
const knownKeys = new Set([
  'type',
  'command',
  'args',
  'env',
  'cwd',
  'url',
  'headers',
  'disabled',
  'disabledTools',
  'askFirstTools',
  'timeoutMs',
  'autoApproveTools',
  'maxOutputChars',
  'localOnly',
]);
const serverNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;

/** Checks a server name; names become tool-name prefixes, so they are short and plain. */
export function checkServerName(name: string): void {
  if (!serverNamePattern.test(name)) {
    throw new InflowError('MCP_CONFIG_INVALID', `"${name}" is not a valid MCP server name.`, {
      hint: 'Use 1-48 letters, digits, "-", "_" or ".", starting with a letter or digit (e.g. "files").',
    });
  }
}

function fail(server: string, field: string, problem: string, hint?: string): never {
  throw new InflowError('MCP_CONFIG_INVALID', `MCP server "${server}": ${field} ${problem}.`, {
    hint: hint ?? 'Fix the entry in mcp.json (see docs/mcp.md) or remove it with `inflow mcp rm`.',
    details: { server, field },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `a ${typeof value}`;
}

function stringList(server: string, field: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(server, `"${field}"`, `must be an array of strings, not ${describe(value)}`);
  value.forEach((item, index) => {
    if (typeof item !== 'string') fail(server, `"${field}[${index}]"`, `must be a string, not ${describe(item)}`);
  });
  return [...(value as string[])];
}

function stringMap(server: string, field: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) fail(server, `"${field}"`, `must be an object of string values, not ${describe(value)}`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') fail(server, `"${field}.${key}"`, `must be a string, not ${describe(item)}`);
  }
  return { ...(value as Record<string, string>) };
}

function positiveInteger(server: string, field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    fail(server, `"${field}"`, `must be a positive whole number, not ${describe(value)}`);
  return value;
}

/**
 * Reads one `mcpServers` entry: `{command, args, env}` (stdio) or `{url, headers}` (streamable HTTP), the shape
 * other MCP clients use, plus Inflow's `disabled`, `disabledTools`, `askFirstTools`, `autoApproveTools`, `timeoutMs`,
 * `maxOutputChars`.
 * Throws MCP_CONFIG_INVALID naming the server and the field.
 */
export function parseServerEntry(name: string, entry: unknown): McpServerConfig {
  checkServerName(name);
  if (!isPlainObject(entry)) fail(name, 'the entry', `must be an object, not ${describe(entry)}`);
  const type = entry.type;
  if (type !== undefined && !['stdio', 'http', 'streamable-http', 'streamableHttp', 'sse'].includes(type as string)) {
    fail(name, '"type"', `must be "stdio" or "http", not ${describe(type)}`);
  }
  if (type === 'sse')
    fail(
      name,
      '"type"',
      'is "sse", which Inflow does not support',
      'Use the server\'s streamable HTTP endpoint (usually ending in /mcp) with "url".',
    );
  if (entry.command !== undefined && entry.url !== undefined)
    fail(name, 'the entry', 'has both "command" and "url"', 'Keep "command" for a local server or "url" for a remote one, not both.');
  if (type === 'stdio' && entry.url !== undefined)
    fail(name, '"type"', 'is "stdio" but the entry has a "url"', 'Use "command" for a stdio server, or set "type" to "http".');
  if (type !== undefined && type !== 'stdio' && entry.command !== undefined)
    fail(name, '"type"', `is ${JSON.stringify(type)} but the entry has a "command"`, 'Use "url" for an HTTP server, or set "type" to "stdio".');
  if (entry.disabled !== undefined && typeof entry.disabled !== 'boolean')
    fail(name, '"disabled"', `must be true or false, not ${describe(entry.disabled)}`);
  if (entry.localOnly !== undefined && typeof entry.localOnly !== 'boolean')
    fail(name, '"localOnly"', `must be true or false, not ${describe(entry.localOnly)}`);
  const settings: McpServerSettings = {
    disabled: entry.disabled === true,
    disabledTools: stringList(name, 'disabledTools', entry.disabledTools),
    askFirstTools: stringList(name, 'askFirstTools', entry.askFirstTools),
    autoApproveTools: stringList(name, 'autoApproveTools', entry.autoApproveTools),
    timeoutMs: positiveInteger(name, 'timeoutMs', entry.timeoutMs, mcpDefaults.timeoutMs),
    maxOutputChars: positiveInteger(name, 'maxOutputChars', entry.maxOutputChars, mcpDefaults.maxOutputChars),
    localOnly: entry.localOnly === true,
  };
  if (entry.url !== undefined) {
    if (typeof entry.url !== 'string') fail(name, '"url"', `must be a string, not ${describe(entry.url)}`);
    let url: URL;
    try {
      url = new URL(entry.url);
    } catch {
      fail(name, '"url"', `is not a valid URL: ${JSON.stringify(entry.url)}`, 'Give the full address, e.g. "http://127.0.0.1:3001/mcp".');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(name, '"url"', `must start with http:// or https://, not ${url.protocol}`);
    return { name, transport: 'http', url: url.href, headers: stringMap(name, 'headers', entry.headers), ...settings };
  }
  if (entry.command === undefined)
    fail(
      name,
      'the entry',
      'has neither "command" nor "url"',
      'Add "command" (and "args") to start a local server, or "url" for a streamable HTTP server.',
    );
  if (typeof entry.command !== 'string' || entry.command.trim() === '')
    fail(name, '"command"', `must be a non-empty string, not ${describe(entry.command)}`);
  if (entry.cwd !== undefined && typeof entry.cwd !== 'string') fail(name, '"cwd"', `must be a string, not ${describe(entry.cwd)}`);
  return {
    name,
    transport: 'stdio',
    command: entry.command,
    args: stringList(name, 'args', entry.args),
    env: stringMap(name, 'env', entry.env),
    ...(typeof entry.cwd === 'string' ? { cwd: entry.cwd } : {}),
    ...settings,
  };
}

/** Turns a server config back into its JSON entry, keeping fields of `previous` that Inflow does not read. */
export function toServerEntry(server: McpServerConfig, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(previous).filter(([key]) => !knownKeys.has(key)));
  const connection =
    server.transport === 'stdio'
      ? {
          command: server.command,
          args: server.args,
          ...(Object.keys(server.env).length > 0 ? { env: server.env } : {}),
          ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
        }
      : { type: 'http', url: server.url, ...(Object.keys(server.headers).length > 0 ? { headers: server.headers } : {}) };
  return {
    ...connection,
    ...kept,
    ...(server.disabled ? { disabled: true } : {}),
    ...(server.disabledTools.length > 0 ? { disabledTools: server.disabledTools } : {}),
    ...(server.askFirstTools.length > 0 ? { askFirstTools: server.askFirstTools } : {}),
    ...(server.autoApproveTools.length > 0 ? { autoApproveTools: server.autoApproveTools } : {}),
    ...(server.timeoutMs === mcpDefaults.timeoutMs ? {} : { timeoutMs: server.timeoutMs }),
    ...(server.maxOutputChars === mcpDefaults.maxOutputChars ? {} : { maxOutputChars: server.maxOutputChars }),
    ...(server.localOnly ? { localOnly: true } : {}),
  };
}

/** Whether a tool of this server is offered to the agent. */
export function isToolEnabled(server: McpServerSettings, tool: string): boolean {
  return !server.disabled && !server.disabledTools.includes(tool);
}

/**
 * Whether a call of this tool waits for the user's approval: marked "ask first" (or the server's `*`), else not
 * if the user allowed it, else unless the server annotates it read-only. A tool that may change things asks
 * first by default; annotations are the server's word, so only the safe direction (read-only) is taken from them.
 */
export function isAskFirst(server: McpServerSettings, tool: { name: string; annotations?: { readOnlyHint?: boolean } | undefined }): boolean {
  if (server.askFirstTools.includes('*') || server.askFirstTools.includes(tool.name)) return true;
  if (server.autoApproveTools.includes(tool.name)) return false;
  return tool.annotations?.readOnlyHint !== true;
}
