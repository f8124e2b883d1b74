import type { ToolSet, ToolSource } from './ask-service.ts';

/**
 * The built-in tools available to Ask runs under the current settings. Network tools are only offered when
 * the privacy setting allows them; otherwise they are listed as absent with the reason, so the planner and
 * the user both know why. The tool modules register here as they ship.
 */
export const builtinToolSource: ToolSource = async () => {
  const set: ToolSet = { tools: [], absent: [] };
  return set;
};
