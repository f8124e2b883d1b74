import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { InflowError } from '../errors.ts';
import type { McpServerConfig } from './mcp-config.ts';

/** The last lines a server wrote to stderr, as a hint (servers explain their failures there). */
export function stderrHint(stderr: string, fallback: string): string {
  const tail = stderr.trim().split('\n').slice(-8).join('\n').trim();
  return tail === '' ? fallback : `The server wrote:\n${tail}`;
}

function where(server: McpServerConfig): string {
  return server.transport === 'stdio' ? `command "${[server.command, ...server.args].join(' ')}"` : server.url;
}

/** The innermost cause (fetch wraps the socket error that says what really happened). */
function rootCause(error: unknown): Error | undefined {
  let current: unknown = error;
  let deepest: Error | undefined = error instanceof Error ? error : undefined;
  for (let depth = 0; depth < 6 && current instanceof Error; depth += 1) {
    deepest = current;
    if (typeof (current as NodeJS.ErrnoException).code === 'string') return current;
    current = current.cause ?? (current instanceof AggregateError ? current.errors[0] : undefined);
  }
  return deepest;
}

/** A failure to start or reach a server, said so that a user can act on it. */
export function startError(server: McpServerConfig, error: unknown, stderr: string): InflowError {
  if (InflowError.isInstance(error)) return error;
  const cause = rootCause(error);
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const options = { cause: error, details: { server: server.name } };
  if (server.transport === 'stdio' && code === 'ENOENT') {
    return new InflowError('MCP_SERVER_START_FAILED', `MCP server "${server.name}" could not start: the command "${server.command}" was not found.`, {
      ...options,
      hint: 'Check "command" in mcp.json: give a program on PATH (e.g. "npx") or its full path.',
    });
  }
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new InflowError('MCP_SERVER_START_FAILED', `MCP server "${server.name}" (${where(server)}) did not finish starting in time.`, {
      ...options,
      hint: stderrHint(stderr, 'Check that the command starts an MCP server on stdio (some need an argument such as "stdio").'),
    });
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new InflowError('MCP_SERVER_START_FAILED', `MCP server "${server.name}" (${where(server)}) exited while starting.`, {
      ...options,
      hint: stderrHint(stderr, 'Run the command in a terminal to see why it stops.'),
    });
  }
  if (server.transport === 'http') {
    const reason = code === 'ECONNREFUSED' ? 'connection refused' : (cause?.message ?? String(error));
    return new InflowError('MCP_SERVER_START_FAILED', `Could not connect to MCP server "${server.name}" at ${server.url}: ${reason}.`, {
      ...options,
      hint: 'Check that the server is running and that "url" points at its streamable HTTP endpoint (often ending in /mcp).',
    });
  }
  return new InflowError(
    'MCP_SERVER_START_FAILED',
    `MCP server "${server.name}" (${where(server)}) could not start: ${cause?.message ?? String(error)}`,
    {
      ...options,
      hint: stderrHint(stderr, 'Run the command in a terminal to see what it prints.'),
    },
  );
}

/**
 * A failed `tools/call`, as the run's tool result and the user's message: the server stopped mid-call, the call
 * ran out of time, or the server or transport answered with an error.
 */
export function callError(options: {
  server: McpServerConfig;
  tool: string;
  error: unknown;
  stderr: string;
  crashed: boolean;
  transportError?: string;
  timeoutMs: number;
}): InflowError {
  const { server, tool, error, stderr } = options;
  if (InflowError.isInstance(error)) return error;
  const details = { server: server.name, tool };
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new InflowError(
      'MCP_TOOL_TIMEOUT',
      `The MCP tool "${tool}" of server "${server.name}" did not answer within ${Math.round(options.timeoutMs / 1000)} s; the call was cancelled and the server will be restarted on its next use.`,
      {
        cause: error,
        details,
        hint: `If the tool needs longer, raise "timeoutMs" for "${server.name}" in mcp.json.`,
      },
    );
  }
  if (options.crashed || (error instanceof McpError && error.code === ErrorCode.ConnectionClosed)) {
    const why = options.transportError === undefined ? '' : ` (${options.transportError})`;
    return new InflowError(
      'MCP_SERVER_CRASHED',
      `MCP server "${server.name}" stopped while running "${tool}"${why}; it will be restarted on the next call.`,
      {
        cause: error,
        details,
        hint: stderrHint(stderr, 'The server ended without saying why.'),
      },
    );
  }
  if (!(error instanceof McpError) && server.transport === 'http') {
    const cause = rootCause(error);
    const reason = (cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED' ? 'connection refused' : (cause?.message ?? String(error));
    return new InflowError(
      'MCP_SERVER_UNREACHABLE',
      `Could not reach MCP server "${server.name}" at ${server.url} to run "${tool}": ${reason}; it will be reconnected on the next call.`,
      {
        cause: error,
        details,
        hint: 'Check that the server is running.',
      },
    );
  }
  const message =
    error instanceof McpError ? error.message.replace(/^MCP error -?\d+: /, '') : error instanceof Error ? error.message : String(error);
  return new InflowError('MCP_TOOL_ERROR', `The MCP tool "${tool}" of server "${server.name}" failed: ${message}`, { cause: error, details });
}
