import { parseArgs } from 'node:util';
import { InflowError } from '../../core/errors.ts';
import { McpManager, type McpToolInfo } from '../../core/mcp/mcp-manager.ts';
import type { McpServerConfig } from '../../core/mcp/mcp-config.ts';
import type { CliCommand, CliContext } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';

const usage = `Usage: inflow mcp <subcommand> [--json]

MCP servers whose tools the agent can use (config: <data dir>/mcp.json, the "mcpServers" shape other clients use).

  list                                       configured servers and their settings
  add <name> [--env KEY=VALUE]... [--cwd DIR] [--replace] [--] <command> [args...]
                                             a local server started on stdio
  add <name> <url> [--header "Name: value"]... [--replace]
                                             a streamable HTTP server
  rm <name>                                  remove a server
  tools [<name>]                             start the servers and list their tools
  enable <name> [<tool>]                     turn a server or one of its tools on
  disable <name> [<tool>]                    turn a server or one of its tools off
  approval <name> <tool|*> ask|auto          ask before each call of a tool, or not
  local-only <name> on|off                   the server may not reach other computers (HTTP: loopback URL only;
                                             stdio: started without a network, Linux); servers are separate processes

Examples:
  inflow mcp add files -- npx -y @modelcontextprotocol/server-filesystem ~/Documents
  inflow mcp add remote http://127.0.0.1:3001/mcp --header "Authorization: Bearer TOKEN"
  inflow mcp approval files write_file ask`;

function usageError(message: string): InflowError {
  return new InflowError('USAGE', message, { hint: 'See inflow mcp --help.' });
}

function describeTarget(server: McpServerConfig): string {
  return server.transport === 'stdio' ? [server.command, ...server.args].join(' ') : server.url;
}

/** Splits `add` arguments: options first, then the command and its arguments verbatim (after `--` or the first word). */
function parseAdd(args: string[]): { name: string; entry: Record<string, unknown>; replace: boolean } {
  const [name, ...rest] = args;
  if (name === undefined || name.startsWith('-')) throw usageError('mcp add needs a server name.');
  const env: Record<string, string> = {};
  const headers: Record<string, string> = {};
  let cwd: string | undefined;
  let replace = false;
  let url: string | undefined;
  let index = 0;
  const value = (option: string): string => {
    const next = rest[index + 1];
    if (next === undefined) throw usageError(`${option} needs a value.`);
    index += 1;
    return next;
  };
  for (; index < rest.length; index += 1) {
    const arg = rest[index]!;
    if (arg === '--') {
      index += 1;
      break;
    }
    if (/^https?:\/\//.test(arg) && url === undefined) {
      url = arg;
      continue;
    }
    if (!arg.startsWith('-')) break;
    if (arg === '--env' || arg === '-e') {
      const pair = value(arg);
      const equals = pair.indexOf('=');
      if (equals <= 0) throw usageError(`--env takes KEY=VALUE, not "${pair}".`);
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    } else if (arg === '--header' || arg === '-H') {
      const pair = value(arg);
      const colon = pair.indexOf(':');
      if (colon <= 0) throw usageError(`--header takes "Name: value", not "${pair}".`);
      headers[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
    } else if (arg === '--cwd') cwd = value(arg);
    else if (arg === '--replace') replace = true;
    else throw usageError(`Unknown option ${arg} for mcp add (put the server's own options after "--").`);
  }
  const target = rest.slice(index);
  if (url !== undefined) {
    if (target.length > 0) throw usageError(`Unexpected arguments after the URL: ${target.join(' ')}`);
    if (Object.keys(env).length > 0 || cwd !== undefined) throw usageError('--env and --cwd are for local (stdio) servers, not URLs.');
    return { name, replace, entry: { type: 'http', url, ...(Object.keys(headers).length > 0 ? { headers } : {}) } };
  }
  if (target.length === 0) throw usageError(`mcp add ${name} needs a command to start the server, or its URL.`);
  if (Object.keys(headers).length > 0) throw usageError('--header is for HTTP servers (give a URL).');
  return {
    name,
    replace,
    entry: { command: target[0], args: target.slice(1), ...(Object.keys(env).length > 0 ? { env } : {}), ...(cwd === undefined ? {} : { cwd }) },
  };
}

function list(context: CliContext, manager: McpManager): number {
  const { servers, errors } = manager.config.read();
  if (context.json) {
    context.printJson({
      file: manager.config.file,
      servers,
      errors: errors.map(({ name, error }) => ({ name, code: error.code, message: error.message })),
    });
    return errors.length > 0 ? ExitCode.badInput : ExitCode.ok;
  }
  if (servers.length === 0 && errors.length === 0) context.print(`No MCP servers configured (${manager.config.file}). Add one with inflow mcp add.`);
  for (const server of servers) {
    context.print(
      `${server.name}  ${server.disabled ? 'off' : 'on'}  ${server.transport}${server.localOnly ? '  local-only' : ''}  ${describeTarget(server)}`,
    );
    if (server.disabledTools.length > 0) context.print(`  tools off: ${server.disabledTools.join(', ')}`);
    if (server.askFirstTools.length > 0) context.print(`  ask first: ${server.askFirstTools.join(', ')}`);
  }
  for (const { name, error } of errors) context.print(`${name}  invalid  ${error.message}`);
  return errors.length > 0 ? ExitCode.badInput : ExitCode.ok;
}

async function tools(context: CliContext, manager: McpManager, name: string | undefined): Promise<number> {
  const names =
    name === undefined
      ? manager.config
          .read()
          .servers.filter((server) => !server.disabled)
          .map((server) => server.name)
      : [name];
  if (name !== undefined) manager.config.get(name);
  type Listing = { server: string; tools: McpToolInfo[]; error?: undefined } | { server: string; error: InflowError };
  const report = await Promise.all(
    names.map(async (server): Promise<Listing> => {
      try {
        return { server, tools: await manager.listServerTools(server, { signal: context.signal }) };
      } catch (error) {
        if (context.signal.aborted || !InflowError.isInstance(error) || error.code === 'MCP_SERVER_NOT_FOUND') throw error;
        return { server, error };
      }
    }),
  );
  const failed = report.filter((entry) => entry.error !== undefined).length;
  if (context.json) {
    context.printJson(
      report.map((entry) =>
        entry.error !== undefined
          ? { server: entry.server, error: { code: entry.error.code, message: entry.error.message, hint: entry.error.hint } }
          : entry,
      ),
    );
    return failed > 0 ? ExitCode.failure : ExitCode.ok;
  }
  if (names.length === 0) context.print('No enabled MCP servers.');
  for (const entry of report) {
    if (entry.error !== undefined) {
      context.stderr.write(`${entry.server}: ${entry.error.toUserString()}\n`);
      continue;
    }
    context.print(`${entry.server} (${entry.tools.length} tools)`);
    for (const tool of entry.tools) {
      const flags = [tool.enabled ? '' : 'off', tool.askFirst ? 'ask first' : ''].filter(Boolean).join(', ');
      context.print(`  ${tool.name}${flags ? ` [${flags}]` : ''}  ${(tool.description.split('\n')[0] ?? '').slice(0, 100)}`);
    }
  }
  return failed > 0 ? ExitCode.failure : ExitCode.ok;
}

export const command: CliCommand = {
  name: 'mcp',
  summary: 'connect MCP servers whose tools the agent can use: list, add, rm, tools, enable, disable, approval',
  usage,
  async run(context, args) {
    const [subcommand, ...rest] = args;
    // Only `mcp add` takes options (its own parser: the server's options follow "--"); the others take names.
    if (subcommand !== 'add') parseArgs({ args: rest, allowPositionals: true, options: {} });
    // HTTP servers are reached through the network module (privacy setting "Tool servers over HTTP", egress log).
    const manager = (await context.backend()).mcp;
    const done = (message: string, value: unknown) => {
      if (context.json) context.printJson(value);
      else context.print(message);
    };
    try {
      switch (subcommand) {
        case 'list':
        case 'ls':
          return list(context, manager);
        case 'add': {
          const { name, entry, replace } = parseAdd(rest);
          const server = manager.config.add(name, entry, { replace });
          done(`Added MCP server "${name}" (${describeTarget(server)}). See its tools with: inflow mcp tools ${name}`, server);
          return ExitCode.ok;
        }
        case 'rm':
        case 'remove': {
          if (rest.length !== 1) throw usageError('mcp rm takes one server name.');
          manager.config.remove(rest[0]!);
          done(`Removed MCP server "${rest[0]}".`, { removed: rest[0] });
          return ExitCode.ok;
        }
        case 'tools':
          if (rest.length > 1) throw usageError('mcp tools takes at most one server name.');
          return await tools(context, manager, rest[0]);
        case 'enable':
        case 'disable': {
          const [name, tool] = rest;
          if (name === undefined || rest.length > 2) throw usageError(`mcp ${subcommand} takes a server name and optionally a tool name.`);
          const server = manager.config.setEnabled(name, subcommand === 'enable', tool);
          done(
            `${tool === undefined ? `MCP server "${name}"` : `Tool "${tool}" of "${name}"`} is ${subcommand === 'enable' ? 'on' : 'off'}.`,
            server,
          );
          return ExitCode.ok;
        }
        case 'approval': {
          const [name, tool, mode] = rest;
          if (name === undefined || tool === undefined || (mode !== 'ask' && mode !== 'auto') || rest.length !== 3)
            throw usageError('mcp approval takes a server, a tool (or *) and ask|auto.');
          const server = manager.config.setApproval(name, tool, mode === 'ask');
          done(
            `${tool === '*' ? `Every tool of "${name}"` : `Tool "${tool}" of "${name}"`} ${mode === 'ask' ? 'asks first' : 'runs without asking'}.`,
            server,
          );
          return ExitCode.ok;
        }
        case 'local-only': {
          const [name, mode] = rest;
          if (name === undefined || (mode !== 'on' && mode !== 'off') || rest.length !== 2)
            throw usageError('mcp local-only takes a server and on|off.');
          const server = manager.config.setLocalOnly(name, mode === 'on');
          done(`MCP server "${name}" ${mode === 'on' ? 'may reach this computer only' : 'may use the network'}.`, server);
          return ExitCode.ok;
        }
        case undefined:
          throw usageError('mcp needs a subcommand: list, add, rm, tools, enable, disable, approval or local-only.');
        default:
          throw usageError(`Unknown mcp subcommand "${subcommand}".`);
      }
    } finally {
      await manager.closeAll();
    }
  },
};
