import fs from 'node:fs';
import type { Backend } from '../backend.ts';
import { InflowError } from '../errors.ts';
import type { KnowledgeIndex } from '../knowledge/knowledge-index.ts';
import type { McpManager, McpServerProblem } from '../mcp/mcp-manager.ts';
import { builtinToolNames, builtinTools, resolveToolNames, toolAliases } from '../tools/builtin-tools.ts';
import type { PythonSandbox } from '../tools/python/python-sandbox.ts';
import type { Tool } from '../tools/tool.ts';
import type { AbsentTool } from './profiles/prompt-profile.ts';
import { canonicalToolName } from './tool-names.ts';

export interface AssembleToolsOptions {
  backend: Backend;
  webAccess: boolean;
  /** Wikipedia online (default: same as webAccess). */
  wikipediaOnline?: boolean;
  knowledge: KnowledgeIndex;
  sandbox: PythonSandbox;
  /** The user's selection: built-in names or aliases and MCP tool names; all available tools when absent. */
  only?: readonly string[];
  /**
   * Include the tools of configured MCP servers (starts them): true for the back end's manager (the CLI), or
   * the manager to use (the desktop app's MCP service keeps its own, whose servers stay up between runs).
   */
  mcp: boolean | McpManager;
  signal?: AbortSignal;
}

/**
 * The tools of one run, for every front end (`inflow ask` and the app's Ask screen, api/tool-source.ts): the built-in ones (with why others are absent) plus, when MCP
 * servers are configured, their tools. A selected name that is neither is refused with the known names;
 * servers that cannot be used are reported in `problems` and the run goes on without them.
 */
export async function assembleTools(
  options: AssembleToolsOptions,
): Promise<{ tools: Tool[]; absent: AbsentTool[]; problems: string[]; mcpProblems: McpServerProblem[] }> {
  const isBuiltin = (name: string) =>
    toolAliases[name.toLowerCase()] !== undefined || builtinToolNames.some((known) => canonicalToolName(known) === canonicalToolName(name));
  const builtinOnly = options.only?.filter(isBuiltin);
  const otherNames = options.only?.filter((name) => !isBuiltin(name)) ?? [];
  const builtin = builtinTools({
    webAccess: options.webAccess,
    wikipediaOnline: options.wikipediaOnline ?? options.webAccess,
    network: options.backend.network,
    knowledge: options.knowledge,
    sandbox: options.sandbox,
    ...(options.only ? { only: resolveToolNames(builtinOnly ?? []) } : {}),
  });
  let mcpTools: Tool[] = [];
  const problems: string[] = [];
  const mcpProblems: McpServerProblem[] = [];
  const manager = options.mcp === true ? options.backend.mcp : options.mcp === false ? undefined : options.mcp;
  if (manager !== undefined && fs.existsSync(options.backend.paths.mcpConfig)) {
    const set = await manager.tools({ reserved: builtinToolNames, ...(options.signal ? { signal: options.signal } : {}) });
    mcpTools = set.tools;
    mcpProblems.push(...set.problems);
    problems.push(...set.problems.map((problem) => `${problem.server}: ${problem.error.message}`));
  }
  const unknown = otherNames.filter((name) => !mcpTools.some((tool) => canonicalToolName(tool.name) === canonicalToolName(name)));
  if (unknown.length > 0) {
    throw new InflowError('UNKNOWN_TOOL', `There is no tool "${unknown.join('", "')}".`, {
      hint: `Known tools: ${[...Object.keys(toolAliases), ...builtinToolNames, ...mcpTools.map((tool) => tool.name)].join(', ')}.`,
    });
  }
  const selectedMcp =
    options.only === undefined
      ? mcpTools
      : mcpTools.filter((tool) => otherNames.some((name) => canonicalToolName(name) === canonicalToolName(tool.name)));
  const absent = [
    ...builtin.absent,
    ...mcpTools.filter((tool) => !selectedMcp.includes(tool)).map((tool) => ({ name: tool.name, reason: 'not selected for this run' })),
  ];
  return { tools: [...builtin.tools, ...selectedMcp], absent, problems, mcpProblems };
}
