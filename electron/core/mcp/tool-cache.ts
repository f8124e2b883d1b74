import fs from 'node:fs';
import type { McpServerConfig } from './mcp-config.ts';
import type { McpToolDefinition } from './mcp-connection.ts';

interface CacheEntry {
  fingerprint: string;
  savedAt: string;
  tools: McpToolDefinition[];
}

/** What identifies a server's process or endpoint: a change to any of these makes its cached tools stale. */
export function serverFingerprint(server: McpServerConfig): string {
  return JSON.stringify(
    server.transport === 'stdio'
      ? [server.transport, server.command, server.args, server.env, server.cwd ?? null]
      : [server.transport, server.url, server.headers],
  );
}

/**
 * The tool lists servers gave last time (`mcp-tools-cache.json` beside the config). When a server cannot start,
 * its tools are still offered from here, so the run gets a clear tool result ("the server could not start: ...")
 * instead of silently losing the tools. Only a cache; deleting it loses nothing.
 */
export class McpToolCache {
  readonly file: string;

  constructor(options: { file: string }) {
    this.file = options.file;
  }

  get(server: McpServerConfig): McpToolDefinition[] | undefined {
    const entry = this.#read()[server.name];
    return entry !== undefined && entry.fingerprint === serverFingerprint(server) && Array.isArray(entry.tools) ? entry.tools : undefined;
  }

  set(server: McpServerConfig, tools: McpToolDefinition[]): void {
    const all = this.#read();
    const fingerprint = serverFingerprint(server);
    const previous = all[server.name];
    if (previous !== undefined && previous.fingerprint === fingerprint && JSON.stringify(previous.tools) === JSON.stringify(tools)) return;
    all[server.name] = { fingerprint, savedAt: new Date().toISOString(), tools };
    try {
      const temporary = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, JSON.stringify(all));
      fs.renameSync(temporary, this.file);
    } catch {
      // A cache that cannot be written only costs the fallback.
    }
  }

  #read(): Record<string, CacheEntry> {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, CacheEntry>) : {};
    } catch {
      return {};
    }
  }
}
