import { execFileSync } from 'node:child_process';
import { InflowError } from '../errors.ts';
import { localOnlyFetch, type Fetch, type Network } from '../net/network.ts';
import { isLoopbackHost } from '../net/network-policy.ts';
import type { McpHttpServer, McpServerConfig, McpStdioServer } from './mcp-config.ts';

/**
 * How an HTTP server is reached: through the network module (feature mcp-http: policy and egress log); without
 * one (tests, benchmarks), only servers on this computer. A server marked local-only is refused unless its URL
 * is a loopback address.
 */
export function httpServerFetch(server: McpHttpServer & McpServerConfig, network: Network | undefined): Fetch {
  const url = new URL(server.url);
  if (server.localOnly && !isLoopbackHost(url.hostname)) {
    throw new InflowError(
      'MCP_SERVER_START_FAILED',
      `MCP server "${server.name}" is marked local-only but its URL is on another computer (${url.host}).`,
      {
        hint: 'Use a 127.0.0.1/localhost URL, or turn off "local only" for this server in Settings → Tool servers.',
      },
    );
  }
  return network?.fetcher('mcp-http') ?? localOnlyFetch;
}

let unshareWorks: boolean | undefined;

/** Whether this machine can start a process in its own, empty network namespace without privileges. */
export function canIsolateNetwork(): boolean {
  if (process.platform !== 'linux') return false;
  if (unshareWorks === undefined) {
    try {
      execFileSync('unshare', ['--user', '--map-root-user', '--net', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
      unshareWorks = true;
    } catch {
      unshareWorks = false;
    }
  }
  return unshareWorks;
}

/**
 * The command that starts a stdio server. Inflow cannot see what a separate process does on the network, so a
 * server marked local-only is started without one: on Linux in a new network namespace that has no interfaces
 * but its own loopback (`unshare --user --map-root-user --net`). Where that is not possible it is not started.
 */
export function stdioCommand(server: McpStdioServer & McpServerConfig): { command: string; args: string[] } {
  if (!server.localOnly) return { command: server.command, args: server.args };
  if (!canIsolateNetwork()) {
    throw new InflowError(
      'MCP_SERVER_START_FAILED',
      `MCP server "${server.name}" is marked local-only, but this system cannot start a process without network access.`,
      {
        hint: 'Local-only stdio servers need Linux with unprivileged user namespaces (the unshare command). Turn off "local only" to run it with the network.',
      },
    );
  }
  return { command: 'unshare', args: ['--user', '--map-root-user', '--net', '--', server.command, ...server.args] };
}
