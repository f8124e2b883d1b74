import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { checkServerName, parseServerEntry, toServerEntry, type McpServerConfig, type McpServerConfigError } from './mcp-config.ts';

/** What the config file holds now: the servers that parse, and an error for each entry that does not. */
export interface McpConfigSnapshot {
  servers: McpServerConfig[];
  errors: McpServerConfigError[];
}

type RawFile = Record<string, unknown> & { mcpServers: Record<string, unknown> };

/**
 * The MCP config file (`mcp.json` in the data directory), in the shape other MCP clients use:
 * `{"mcpServers": {"<name>": {"command", "args", "env"} | {"url", "headers"}}}` plus Inflow's per-server fields.
 * The settings UI and `inflow mcp` change it through this class; edits keep every field and server they do not
 * touch, a malformed file is never overwritten, and writes are atomic.
 */
export class McpConfigStore {
  readonly file: string;

  constructor(options: { file: string }) {
    this.file = options.file;
  }

  /** Reads the file; an entry that does not parse is reported in `errors` and the others still load. */
  read(): McpConfigSnapshot {
    const raw = this.#readRaw();
    const snapshot: McpConfigSnapshot = { servers: [], errors: [] };
    for (const [name, entry] of Object.entries(raw.mcpServers)) {
      try {
        snapshot.servers.push(parseServerEntry(name, entry));
      } catch (error) {
        if (!InflowError.isInstance(error)) throw error;
        snapshot.errors.push({ name, error });
      }
    }
    return snapshot;
  }

  /** One server's config; throws MCP_SERVER_NOT_FOUND, or the entry's MCP_CONFIG_INVALID error. */
  get(name: string): McpServerConfig {
    const raw = this.#readRaw();
    if (!Object.hasOwn(raw.mcpServers, name)) throw this.#notFound(name, raw);
    return parseServerEntry(name, raw.mcpServers[name]);
  }

  /**
   * Adds a server from an entry in the usual shape (validated first). Refuses a name that exists unless
   * `replace` is set, so a typo cannot silently overwrite a working server.
   */
  add(name: string, entry: unknown, options: { replace?: boolean } = {}): McpServerConfig {
    checkServerName(name);
    const server = parseServerEntry(name, entry);
    const raw = this.#readRaw();
    if (Object.hasOwn(raw.mcpServers, name) && options.replace !== true) {
      throw new InflowError('MCP_SERVER_EXISTS', `An MCP server named "${name}" already exists.`, {
        hint: `Remove it first (inflow mcp rm ${name}) or choose another name.`,
      });
    }
    raw.mcpServers[name] = toServerEntry(server, isObject(entry) ? entry : {});
    this.#write(raw);
    return server;
  }

  /** Removes a server; throws MCP_SERVER_NOT_FOUND when there is none by that name. */
  remove(name: string): void {
    const raw = this.#readRaw();
    if (!Object.hasOwn(raw.mcpServers, name)) throw this.#notFound(name, raw);
    delete raw.mcpServers[name];
    this.#write(raw);
  }

  /** Turns a whole server, or one of its tools (by the server's own tool name), on or off. */
  setEnabled(name: string, enabled: boolean, tool?: string): McpServerConfig {
    return this.#update(name, (server) => {
      if (tool === undefined) return { ...server, disabled: !enabled };
      const others = server.disabledTools.filter((item) => item !== tool);
      return { ...server, disabledTools: enabled ? others : [...others, tool] };
    });
  }

  /** Marks a server local-only (it may not reach other computers; see McpServerSettings.localOnly), or not. */
  setLocalOnly(name: string, localOnly: boolean): McpServerConfig {
    return this.#update(name, (server) => ({ ...server, localOnly }));
  }

  /**
   * Marks a tool (or `*`, every tool of the server) "ask first", or lets it run without asking. `*` off only
   * removes the server-wide mark: each tool then follows its own setting or its read-only annotation.
   */
  setApproval(name: string, tool: string, askFirst: boolean): McpServerConfig {
    return this.#update(name, (server) => {
      if (!askFirst && tool !== '*' && server.askFirstTools.includes('*')) {
        throw new InflowError(
          'MCP_CONFIG_INVALID',
          `Every tool of MCP server "${name}" is set to ask first ("*"), so "${tool}" cannot be exempted alone.`,
          {
            hint: `Turn off "*" first (inflow mcp approval ${name} '*' off), then mark the tools that should ask.`,
          },
        );
      }
      const asking = server.askFirstTools.filter((item) => item !== tool);
      const allowed = server.autoApproveTools.filter((item) => item !== tool);
      return {
        ...server,
        askFirstTools: askFirst ? [...asking, tool] : asking,
        autoApproveTools: askFirst || tool === '*' ? allowed : [...allowed, tool],
      };
    });
  }

  #update(name: string, change: (server: McpServerConfig) => McpServerConfig): McpServerConfig {
    const raw = this.#readRaw();
    if (!Object.hasOwn(raw.mcpServers, name)) throw this.#notFound(name, raw);
    const previous = raw.mcpServers[name];
    const server = change(parseServerEntry(name, previous));
    raw.mcpServers[name] = toServerEntry(server, isObject(previous) ? previous : {});
    this.#write(raw);
    return server;
  }

  #notFound(name: string, raw: RawFile): InflowError {
    const names = Object.keys(raw.mcpServers);
    return new InflowError('MCP_SERVER_NOT_FOUND', `There is no MCP server named "${name}".`, {
      hint: names.length === 0 ? 'No servers are configured; add one with `inflow mcp add`.' : `Configured servers: ${names.join(', ')}.`,
    });
  }

  #readRaw(): RawFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { mcpServers: {} };
      throw new InflowError('MCP_CONFIG_UNREADABLE', `Cannot read the MCP config ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    if (text.trim() === '') return { mcpServers: {} };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InflowError('MCP_CONFIG_INVALID', `The MCP config ${this.file} is not valid JSON: ${(error as Error).message}`, {
        hint: 'Fix the file by hand (it was left as it is); its shape is {"mcpServers": {"name": {"command": "...", "args": []}}}.',
      });
    }
    if (!isObject(parsed)) throw this.#shapeError('the file must hold a JSON object');
    const servers = parsed.mcpServers ?? {};
    if (!isObject(servers)) throw this.#shapeError('"mcpServers" must be an object mapping server names to entries');
    return { ...parsed, mcpServers: { ...servers } };
  }

  #shapeError(problem: string): InflowError {
    return new InflowError('MCP_CONFIG_INVALID', `The MCP config ${this.file} is malformed: ${problem}.`, {
      hint: 'Its shape is {"mcpServers": {"name": {"command": "...", "args": []}}}; the file was left as it is.',
    });
  }

  #write(raw: RawFile): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, this.file);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
