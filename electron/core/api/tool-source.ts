import type { Settings } from '../contract/settings.ts';
import type { KnowledgeIndex } from '../knowledge/knowledge-index.ts';
import { assembleTools } from '../agent/assemble-tools.ts';
import type { Backend } from '../backend.ts';
import { toolAliases } from '../tools/builtin-tools.ts';
import { PythonSandbox } from '../tools/python/python-sandbox.ts';
import type { ToolSet, ToolSource } from './ask-service.ts';
import type { McpService } from './mcp-service.ts';

/** Short name of a built-in tool for the UI ("python" for Python_Code_Generator_Tool). */
export function toolLabel(name: string): string {
  return Object.entries(toolAliases).find(([, full]) => full === name)?.[0] ?? name;
}

/**
 * The tools for Ask runs under the current settings, built by the same assembleTools as `inflow ask`: the
 * built-in ones (network tools only when the privacy setting allows them, knowledge search once a folder is
 * indexed, Python in the sandbox, started on first use and kept warm) and the enabled MCP servers' tools.
 * Missing tools come with the reason, for the planner and the tool picker; an MCP server that fails (and has
 * no tools cached from before) is listed as missing.
 */
export function createBuiltinToolSource(options: {
  backend: Backend;
  knowledge: KnowledgeIndex;
  mcp?: McpService;
}): ToolSource & { dispose(): void } {
  let sandbox: PythonSandbox | null = null;
  const source = async (settings: Settings): Promise<ToolSet> => {
    sandbox ??= new PythonSandbox();
    const set = await assembleTools({
      backend: options.backend,
      webAccess: settings.privacy.networkTools,
      wikipediaOnline: settings.privacy.wikipediaOnline,
      knowledge: options.knowledge,
      sandbox,
      mcp: options.mcp?.manager ?? false,
    });
    const failed = set.mcpProblems
      .filter((problem) => !problem.fromCache)
      .map((problem) => ({ name: `${problem.server} (MCP)`, reason: problem.error.message }));
    return { tools: set.tools, absent: [...set.absent, ...failed] };
  };
  return Object.assign(source, {
    dispose() {
      sandbox?.dispose();
      sandbox = null;
    },
  });
}
