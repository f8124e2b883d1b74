import type { Backend } from '../backend.ts';
import type { McpOverview, McpToolView } from '../contract/mcp.ts';
import type { McpManager } from '../mcp/mcp-manager.ts';

/**
 * MCP servers for the Settings screen and Ask runs: the data folder's mcp.json (the file `inflow mcp` edits),
 * servers started on first use and closed when the app quits. A server that fails is reported with its
 * reason and the run goes on without it.
 */
export class McpService {
  readonly manager: McpManager;

  constructor(options: { backend: Backend }) {
    // the back end's MCP manager (built once, closed with the back end): the agent's tools and this screen share it
    this.manager = options.backend.mcp;
  }

  overview(): McpOverview {
    return this.manager.status();
  }

  /** Lists a server's tools (starting it if needed) with their switches. */
  async tools(name: string): Promise<McpToolView[]> {
    const tools = await this.manager.listServerTools(name);
    return tools.map((tool) => ({ tool: tool.tool, description: tool.description, enabled: tool.enabled, askFirst: tool.askFirst }));
  }

  add(input: { name: string; command?: string; args?: string[]; url?: string }): McpOverview {
    if (input.url !== undefined) this.manager.config.add(input.name, { url: input.url });
    else {
      const [command, ...rest] = input.args === undefined ? splitCommandLine(input.command!) : [input.command!, ...input.args];
      this.manager.config.add(input.name, { command, args: rest });
    }
    return this.overview();
  }

  async remove(name: string): Promise<McpOverview> {
    this.manager.config.remove(name);
    await this.manager.closeAll();
    return this.overview();
  }

  setEnabled(name: string, enabled: boolean, tool?: string): McpOverview {
    this.manager.config.setEnabled(name, enabled, tool);
    return this.overview();
  }

  setLocalOnly(name: string, localOnly: boolean): McpOverview {
    this.manager.config.setLocalOnly(name, localOnly);
    return this.overview();
  }

  setAskFirst(name: string, tool: string, askFirst: boolean): McpOverview {
    this.manager.config.setApproval(name, tool, askFirst);
    return this.overview();
  }

  async dispose(): Promise<void> {
    await this.manager.closeAll();
  }
}

/** `npx -y "@scope/pkg" ~/my dir` → ['npx', '-y', '@scope/pkg', '~/my', 'dir'], honouring quotes. */
export function splitCommandLine(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]!);
}
