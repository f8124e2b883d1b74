import type { Settings } from '../contract/settings.ts';
import type { KnowledgeIndex } from '../knowledge/knowledge-index.ts';
import { builtinTools, toolAliases } from '../tools/builtin-tools.ts';
import { PythonSandbox } from '../tools/python/python-sandbox.ts';
import type { ToolSet, ToolSource } from './ask-service.ts';
import type { McpService } from './mcp-service.ts';
import type { Network } from '../net/network.ts';

/** Short name of a built-in tool for the UI ("python" for Python_Code_Generator_Tool). */
export function toolLabel(name: string): string {
  return Object.entries(toolAliases).find(([, full]) => full === name)?.[0] ?? name;
}

/**
 * The tools for Ask runs under the current settings: the built-in ones (network tools only when the privacy
 * setting allows them, knowledge search once a folder is indexed, Python in the sandbox, started on first
 * use and kept warm) and the enabled MCP servers' tools. Missing tools come with the reason, for the
 * planner and the tool picker.
 */
export function createBuiltinToolSource(options: { knowledge: KnowledgeIndex; mcp?: McpService; network: Network }): ToolSource & { dispose(): void } {
  let sandbox: PythonSandbox | null = null;
  const source = async (settings: Settings): Promise<ToolSet> => {
    sandbox ??= new PythonSandbox();
    const builtin = builtinTools({ webAccess: settings.privacy.networkTools, wikipediaOnline: settings.privacy.wikipediaOnline, network: options.network, knowledge: options.knowledge, sandbox });
    if (options.mcp === undefined) return builtin;
    const mcp = await options.mcp.runTools([...builtin.tools, ...builtin.absent].map((tool) => tool.name));
    return { tools: [...builtin.tools, ...mcp.tools], absent: [...builtin.absent, ...mcp.absent] };
  };
  return Object.assign(source, {
    dispose() {
      sandbox?.dispose();
      sandbox = null;
    },
  });
}
