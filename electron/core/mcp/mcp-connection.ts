import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError, type CallToolResult, type Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import { InflowError } from '../errors.ts';
import { trackServerProcess, untrackServerProcess } from './child-registry.ts';
import type { McpServerConfig } from './mcp-config.ts';
import { callError, startError } from './mcp-errors.ts';
import type { Network } from '../net/network.ts';
import { httpServerFetch, stdioCommand } from './local-only.ts';
import { descendantPids, isProcessAlive, killProcesses } from './process-tree.ts';

export type { McpToolDefinition };

export interface McpConnectionOptions {
  server: McpServerConfig;
  /** How long starting (spawn + initialize) may take. */
  connectTimeoutMs?: number;
  /** HTTP servers are reached through the network module (feature mcp-http); required for them. */
  network?: Network;
}

const clientInfo = { name: 'inflow', version: '0.1.0' };
const stderrLimit = 8000;
const maxToolPages = 50;

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new InflowError('CANCELLED', 'Cancelled.');
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (the work itself goes on in the background). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * One MCP server as Inflow uses it: started (or connected) with the official SDK on first use, restarted on the
 * next use after it crashed, timed out or was closed, and closed without leaving processes behind.
 * Failures come out as InflowErrors that say which server, what happened and what it printed to stderr.
 */
export class McpConnection {
  readonly server: McpServerConfig;
  readonly #connectTimeoutMs: number;
  readonly #network: Network | undefined;
  #client: Client | undefined;
  #transport: Transport | undefined;
  #starting: Promise<Client> | undefined;
  #pid: number | null = null;
  #stderr = '';
  #transportError: string | undefined;
  #lostReason: string | undefined;
  #crashed = false;

  constructor(options: McpConnectionOptions) {
    this.server = options.server;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 60_000;
    this.#network = options.network;
  }

  /** Whether the server is connected now. */
  get running(): boolean {
    return this.#client !== undefined;
  }

  /** The pid of the server process (stdio servers that are running), for diagnostics and tests. */
  get pid(): number | null {
    return this.#pid;
  }

  /** What the server last wrote to stderr (up to a few KB). */
  get stderr(): string {
    return this.#stderr;
  }

  /** Starts the server if it is not running; concurrent callers share one start. */
  async start(signal?: AbortSignal): Promise<Client> {
    if (this.#client !== undefined) return this.#client;
    this.#starting ??= this.#connect().finally(() => {
      this.#starting = undefined;
    });
    return raceAbort(this.#starting, signal);
  }

  async #connect(): Promise<Client> {
    this.#stderr = '';
    this.#transportError = undefined;
    this.#lostReason = undefined;
    this.#crashed = false;
    const transport = this.#createTransport();
    const client = new Client(clientInfo, { capabilities: {} });
    client.onerror = (error) => {
      this.#transportError = error.message;
      // The streamable HTTP transport gives up on a server that went away only through onerror; closing the
      // client fails the calls in flight (MCP_SERVER_CRASHED) instead of leaving them to time out.
      if (/Maximum reconnection attempts/.test(error.message) && this.#client === client) {
        this.#lostReason = 'the HTTP server stopped answering';
        void client.close().catch(() => undefined);
      }
    };
    client.onclose = () => {
      if (this.#client !== client) return;
      this.#crashed = true;
      this.#forget();
    };
    try {
      await client.connect(transport, { timeout: this.#connectTimeoutMs });
    } catch (error) {
      const pids = this.#processTree(transport);
      await client.close().catch(() => undefined);
      killProcesses(pids.filter(isProcessAlive));
      if (pids[0] !== undefined) untrackServerProcess(pids[0]);
      throw startError(this.server, error, this.#stderr);
    }
    this.#client = client;
    this.#transport = transport;
    this.#pid = transport instanceof StdioClientTransport ? transport.pid : null;
    return client;
  }

  #createTransport(): Transport {
    if (this.server.transport === 'http') {
      const fetch = httpServerFetch(this.server, this.#network);
      return new StreamableHTTPClientTransport(new URL(this.server.url), { requestInit: { headers: this.server.headers }, fetch });
    }
    const { command, args } = stdioCommand(this.server);
    const transport = new StdioClientTransport({
      command,
      args,
      env: this.server.env,
      ...(this.server.cwd === undefined ? {} : { cwd: this.server.cwd }),
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-stderrLimit);
    });
    // Tracked from the moment it is spawned, so that quitting while a server is still starting leaves nothing behind.
    const start = transport.start.bind(transport);
    transport.start = async () => {
      await start();
      if (transport.pid !== null) trackServerProcess(transport.pid);
    };
    return transport;
  }

  #processTree(transport: Transport | undefined): number[] {
    const pid = transport instanceof StdioClientTransport ? transport.pid : null;
    return pid === null ? [] : [pid, ...descendantPids(pid)];
  }

  #forget(): void {
    if (this.#pid !== null) untrackServerProcess(this.#pid);
    this.#client = undefined;
    this.#transport = undefined;
    this.#pid = null;
  }

  /** Every tool the server offers (all pages). */
  async listTools(options: { signal?: AbortSignal } = {}): Promise<McpToolDefinition[]> {
    const client = await this.start(options.signal);
    const tools: McpToolDefinition[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxToolPages; page += 1) {
      let result;
      try {
        result = await client.listTools(cursor === undefined ? undefined : { cursor }, {
          timeout: this.#connectTimeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (options.signal?.aborted) throw abortError(options.signal);
        throw startError(this.server, error, this.#stderr);
      }
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return tools;
  }

  /**
   * Calls a tool. Resolves with the server's result (which may have `isError` set); rejects with MCP_TOOL_TIMEOUT
   * (the server is then closed, so a hung server is restarted on its next use), MCP_SERVER_CRASHED,
   * MCP_SERVER_START_FAILED or MCP_TOOL_ERROR, or with the abort reason when `signal` aborts.
   */
  async callTool(tool: string, input: Record<string, unknown>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<CallToolResult> {
    const client = await this.start(options.signal);
    try {
      const result = await client.callTool({ name: tool, arguments: input }, undefined, {
        timeout: options.timeoutMs,
        maxTotalTimeout: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return result as CallToolResult;
    } catch (error) {
      if (options.signal?.aborted) {
        // The agent's own tool timeout: the server stopped answering, so it is restarted on its next use.
        if (InflowError.isInstance(options.signal.reason) && options.signal.reason.code === 'TOOL_TIMEOUT' && this.#client === client)
          await this.close({ force: true });
        throw abortError(options.signal);
      }
      const transportError = this.#lostReason ?? this.#transportError;
      const failure = callError({
        server: this.server,
        tool,
        error,
        stderr: this.#stderr,
        crashed: this.#crashed && this.#client === undefined,
        ...(transportError === undefined ? {} : { transportError }),
        timeoutMs: options.timeoutMs,
      });
      if (failure.code === 'MCP_TOOL_TIMEOUT' && this.#client === client) await this.close({ force: true });
      // A transport failure (not an answer from the server): start over with a new connection next time.
      else if (!(error instanceof McpError) && this.#client === client) await this.close();
      throw failure;
    }
  }

  /**
   * Closes the connection: ends the server's stdin, then SIGTERM, then SIGKILL (the SDK's sequence), and finally
   * kills anything the server itself started that is still running. `force` kills the processes first (for a
   * server that stopped answering). Safe to call more than once.
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    const starting = this.#starting;
    if (starting !== undefined) await starting.catch(() => undefined);
    const client = this.#client;
    const transport = this.#transport;
    if (client === undefined) return;
    const pids = this.#processTree(transport);
    this.#forget();
    if (options.force === true) killProcesses(pids);
    if (transport instanceof StreamableHTTPClientTransport) {
      await Promise.race([transport.terminateSession().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    }
    await client.close().catch(() => undefined);
    killProcesses(pids.filter(isProcessAlive));
  }
}
