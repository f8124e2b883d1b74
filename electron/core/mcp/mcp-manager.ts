import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { InflowError } from '../errors.ts';
import type { Tool } from '../tools/tool.ts';
import { McpConfigStore, type McpConfigSnapshot } from './mcp-config-store.ts';
import { isAskFirst, isToolEnabled, type McpServerConfig } from './mcp-config.ts';
import { McpConnection, type McpToolDefinition } from './mcp-connection.ts';
import { createMcpTool } from './mcp-tool.ts';
import { McpToolCache, serverFingerprint } from './tool-cache.ts';
import { mcpToolName, toolNameKey, uniqueToolName } from './tool-naming.ts';
import type { McpServerView } from '../contract/mcp.ts';
import type { Network } from '../net/network.ts';

export interface McpManagerOptions {
  /** The JSON config (`dataPaths(dataDir).mcpConfig`). */
  configFile: string;
  /** Where the last tool lists are kept; default `mcp-tools-cache.json` beside the config. */
  cacheFile?: string;
  /** How long a server may take to start and list its tools (default 60 s: `npx -y` may download it first). */
  connectTimeoutMs?: number;
  /** The network module HTTP servers are reached through (policy and egress log); without it HTTP servers cannot be used. */
  network?: Network;
}

/** A server that is configured and enabled but could not be used now; shown to the user, the run goes on. */
export interface McpServerProblem {
  server: string;
  error: InflowError;
  /** The server's tools were offered from the last successful listing. */
  fromCache: boolean;
}

export interface McpToolSet {
  tools: Tool[];
  problems: McpServerProblem[];
}

/** One configured server as the settings UI shows it: the contract's view (plain JSON, fit for IPC). */
export type McpServerStatus = McpServerView;

/** One tool of a server as the settings UI and `inflow mcp tools` show it. */
export interface McpToolInfo {
  /** The name the planner sees. */
  name: string;
  /** The server's own name for it. */
  tool: string;
  description: string;
  enabled: boolean;
  askFirst: boolean;
  inputSchema: Record<string, unknown>;
}

/**
 * All configured MCP servers of one data directory: reads the config, starts servers on demand (each once,
 * restarted on the next use after a failure), turns their tools into Inflow tools for a run, and closes them.
 * Call `closeAll()` when the app quits; a process `exit` hook also kills any server still running.
 */
export class McpManager {
  readonly config: McpConfigStore;
  readonly #cache: McpToolCache;
  readonly #connectTimeoutMs: number | undefined;
  readonly #network: Network | undefined;
  readonly #connections = new Map<string, McpConnection>();
  readonly #closing = new Set<Promise<void>>();

  constructor(options: McpManagerOptions) {
    this.config = new McpConfigStore({ file: options.configFile });
    this.#cache = new McpToolCache({ file: options.cacheFile ?? path.join(path.dirname(options.configFile), 'mcp-tools-cache.json') });
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#network = options.network;
  }

  /** The live connection for a server config, replacing (and closing) one made from an older config. */
  connection(server: McpServerConfig): McpConnection {
    const existing = this.#connections.get(server.name);
    if (existing !== undefined && serverFingerprint(existing.server) === serverFingerprint(server)) return existing;
    if (existing !== undefined) this.#closeInBackground(existing);
    const connection = new McpConnection({
      server,
      ...(this.#connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.#connectTimeoutMs }),
      ...(this.#network === undefined ? {} : { network: this.#network }),
    });
    this.#connections.set(server.name, connection);
    return connection;
  }

  /** Every tool a server lists, starting it if needed; the listing is remembered for when it cannot start. */
  async listServerTools(name: string, options: { signal?: AbortSignal } = {}): Promise<McpToolInfo[]> {
    const server = this.config.get(name);
    const definitions = await this.#list(server, options.signal);
    const taken = new Set<string>();
    return definitions.map((definition) => ({
      name: uniqueToolName(mcpToolName(server.name, definition.name), taken),
      tool: definition.name,
      description: definition.description ?? definition.title ?? '',
      enabled: isToolEnabled(server, definition.name),
      askFirst: isAskFirst(server, definition),
      inputSchema: definition.inputSchema as Record<string, unknown>,
    }));
  }

  async #list(server: McpServerConfig, signal: AbortSignal | undefined): Promise<McpToolDefinition[]> {
    const definitions = await this.connection(server).listTools(signal === undefined ? {} : { signal });
    this.#cache.set(server, definitions);
    return definitions;
  }

  /**
   * The tools of every enabled server (minus disabled tools) for a run. Servers start in parallel; one that fails
   * is reported in `problems` (with its tools still offered from the last listing, if there is one, so that a call
   * gives the run a clear error) and the others are unaffected; so is a config file that cannot be read.
   * `reserved` names (built-in tools) are not reused.
   */
  async tools(options: { signal?: AbortSignal; reserved?: Iterable<string> } = {}): Promise<McpToolSet> {
    let snapshot: McpConfigSnapshot;
    try {
      snapshot = this.config.read();
    } catch (error) {
      // A broken config file must not stop the run: it goes on without MCP tools and the user is told why.
      return { tools: [], problems: [{ server: path.basename(this.config.file), error: toInflowError(error), fromCache: false }] };
    }
    const problems: McpServerProblem[] = snapshot.errors.map(({ name, error }) => ({ server: name, error, fromCache: false }));
    const servers = snapshot.servers.filter((server) => !server.disabled);
    const listings = await Promise.all(
      servers.map(async (server) => {
        try {
          return { server, definitions: await this.#list(server, options.signal) };
        } catch (error) {
          if (options.signal?.aborted) throw error;
          const cached = this.#cache.get(server);
          problems.push({ server: server.name, error: toInflowError(error), fromCache: cached !== undefined });
          return { server, definitions: cached ?? [] };
        }
      }),
    );
    const taken = new Set<string>([...(options.reserved ?? [])].map(toolNameKey));
    const tools: Tool[] = [];
    for (const { server, definitions } of listings) {
      for (const definition of definitions) {
        if (!isToolEnabled(server, definition.name)) continue;
        tools.push(
          createMcpTool({
            server,
            definition,
            name: uniqueToolName(mcpToolName(server.name, definition.name), taken),
            call: (input, callOptions) => this.callTool(server, definition.name, input, callOptions),
          }),
        );
      }
    }
    return { tools, problems };
  }

  /** Calls a tool of a server (starting or restarting it first if needed). */
  async callTool(
    server: McpServerConfig,
    tool: string,
    input: Record<string, unknown>,
    options: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<CallToolResult> {
    return this.connection(server).callTool(tool, input, options);
  }

  #closeInBackground(connection: McpConnection): void {
    const closing = connection.close().finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }

  /**
   * The configured servers for a settings page, without starting any: connection, switches, whether each is
   * running, and the entries that could not be read (with the message saying what is wrong).
   */
  status(): { file: string; servers: McpServerStatus[]; errors: Array<{ name: string; code: string; message: string }> } {
    const { servers, errors } = this.config.read();
    return {
      file: this.config.file,
      servers: servers.map((server) => ({
        name: server.name,
        transport: server.transport,
        target: server.transport === 'stdio' ? [server.command, ...server.args].join(' ') : server.url,
        disabled: server.disabled,
        disabledTools: server.disabledTools,
        askFirstTools: server.askFirstTools,
        localOnly: server.localOnly,
        running: this.#connections.get(server.name)?.running === true,
      })),
      errors: errors.map(({ name, error }) => ({ name, code: error.code, message: error.message })),
    };
  }

  /** The pids of the stdio servers running now. */
  runningPids(): number[] {
    return [...this.#connections.values()].flatMap((connection) => (connection.pid === null ? [] : [connection.pid]));
  }

  /** Closes every server (and whatever they started). Call on quit; the manager can still be used afterwards. */
  async closeAll(): Promise<void> {
    const connections = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all([...connections.map((connection) => connection.close()), ...this.#closing]);
  }
}

function toInflowError(error: unknown): InflowError {
  if (InflowError.isInstance(error)) return error;
  return new InflowError('MCP_SERVER_START_FAILED', error instanceof Error ? error.message : String(error), { cause: error });
}
