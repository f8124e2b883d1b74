import type { AbsentTool } from '../agent/profiles/prompt-profile.ts';
import { canonicalToolName } from '../agent/tool-names.ts';
import { InflowError } from '../errors.ts';
import type { KnowledgeIndex } from '../knowledge/knowledge-index.ts';
import type { LanguageModel } from '../llm/language-model.ts';
import { createGeneralistTool } from './builtin/generalist-tool.ts';
import { createGroundedSearchTool } from './builtin/grounded-search-tool.ts';
import { createKnowledgeSearchTool } from './builtin/knowledge-search-tool.ts';
import { createPythonTool } from './builtin/python-tool.ts';
import { createWebPageTool, createWebSearchTool, type WebToolOptions } from './builtin/web-tools.ts';
import { createWikipediaTool } from './builtin/wikipedia-tool.ts';
import type { PythonSandbox } from './python/python-sandbox.ts';
import type { Tool } from './tool.ts';
import type { Network } from '../net/network.ts';

/** Short names accepted by `--tools` and the UI, mapped to the tools' full names. */
export const toolAliases: Readonly<Record<string, string>> = {
  generalist: 'Generalist_Solution_Generator_Tool',
  python: 'Python_Code_Generator_Tool',
  knowledge: 'Knowledge_Search_Tool',
  web: 'Web_Search_Tool',
  'web-page': 'Web_RAG_Search_Tool',
  wikipedia: 'Wikipedia_RAG_Search_Tool',
  'grounded-search': 'Ground_Google_Search_Tool',
};

export const builtinToolNames = Object.values(toolAliases);

export interface BuiltinToolsOptions {
  /** The privacy setting: web search and page reading only when true. Default false. */
  webAccess?: boolean;
  /** Wikipedia online (else only imported dumps). Default: same as webAccess. */
  wikipediaOnline?: boolean;
  /** The network module the web and Wikipedia tools connect through (policy and egress log); needed when either is on. */
  network?: Network;
  knowledge?: KnowledgeIndex;
  /** The Python sandbox (its owner disposes it); without one the Python tool is absent. */
  sandbox?: PythonSandbox;
  /** Model for the generalist (default: the run's generator model). */
  model?: LanguageModel;
  /** Only these tools (full names or aliases); the others are absent as "not selected". */
  only?: readonly string[];
  web?: Partial<WebToolOptions> & { wikipediaApiUrl?: string };
}

/** Resolves names and aliases given by a user to full tool names; throws UNKNOWN_TOOL listing the known ones. */
export function resolveToolNames(names: readonly string[], known: readonly string[] = builtinToolNames): string[] {
  return names.map((name) => {
    const alias = toolAliases[name.toLowerCase()];
    if (alias) return alias;
    const match = known.find((candidate) => canonicalToolName(candidate) === canonicalToolName(name));
    if (match) return match;
    throw new InflowError('UNKNOWN_TOOL', `There is no tool "${name}".`, {
      hint: `Known tools: ${[...Object.keys(toolAliases), ...known].join(', ')}.`,
    });
  });
}

/**
 * The built-in tools this run may use, and for each missing one why (the planner is told): web tools are off
 * unless web access is on; knowledge search needs an indexed folder; Wikipedia needs web access or an
 * imported dump; Python needs the sandbox.
 */
export function builtinTools(options: BuiltinToolsOptions = {}): { tools: Tool[]; absent: AbsentTool[] } {
  const tools: Tool[] = [];
  const absent: AbsentTool[] = [];
  const selected = options.only === undefined ? undefined : new Set(resolveToolNames(options.only));
  const offer = (name: string, make: () => Tool, unavailable?: string) => {
    if (selected !== undefined && !selected.has(name)) absent.push({ name, reason: 'not selected for this run' });
    else if (unavailable !== undefined) absent.push({ name, reason: unavailable });
    else tools.push(make());
  };
  const webOff = 'web access is off (privacy setting); the user can turn it on in Settings or with --web';
  const wikipediaOnline = options.wikipediaOnline ?? options.webAccess === true;
  const fetchFor = (feature: 'web' | 'wikipedia') => {
    const fetch = options.web?.fetch ?? options.network?.fetcher(feature);
    if (fetch === undefined)
      throw new InflowError('USAGE', 'The web and online Wikipedia tools need the network module (builtinTools({ network })).');
    return fetch;
  };
  const sources = options.knowledge?.listSources() ?? [];
  const hasFolders = sources.some((source) => source.kind === 'folder' && source.passages > 0);
  const hasWikipedia = sources.some((source) => source.kind === 'wikipedia' && source.passages > 0);

  offer(toolAliases.generalist!, () => createGeneralistTool(options.model ? { model: options.model } : {}));
  offer(
    toolAliases.python!,
    () => createPythonTool({ sandbox: options.sandbox! }),
    options.sandbox ? undefined : 'the Python sandbox is not available',
  );
  offer(
    toolAliases.knowledge!,
    () => createKnowledgeSearchTool({ index: options.knowledge! }),
    hasFolders ? undefined : 'no folder is indexed yet (inflow knowledge add FOLDER)',
  );
  offer(toolAliases.web!, () => createWebSearchTool({ ...options.web, fetch: fetchFor('web') }), options.webAccess ? undefined : webOff);
  offer(toolAliases['web-page']!, () => createWebPageTool({ ...options.web, fetch: fetchFor('web') }), options.webAccess ? undefined : webOff);
  offer(
    toolAliases['grounded-search']!,
    () => createGroundedSearchTool({ ...options.web, fetch: fetchFor('web') }),
    options.webAccess ? undefined : webOff,
  );
  offer(
    toolAliases.wikipedia!,
    () =>
      createWikipediaTool({
        online: wikipediaOnline,
        ...(options.knowledge ? { index: options.knowledge } : {}),
        ...(options.web?.wikipediaApiUrl ? { apiUrl: options.web.wikipediaApiUrl } : {}),
        ...(wikipediaOnline ? { fetch: fetchFor('wikipedia') } : {}),
      }),
    wikipediaOnline || hasWikipedia
      ? undefined
      : 'Wikipedia online is off (privacy setting; Settings or --web), and no offline Wikipedia dump is imported (inflow knowledge add-wikipedia FILE)',
  );
  return { tools, absent };
}
