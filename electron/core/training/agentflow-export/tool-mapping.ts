/**
 * Inflow's tools and their counterparts in the reference's agent (lupantech/AgentFlow `agentflow/tools/`),
 * used by the AgentFlow export for ENABLE_TOOLS / TOOL_ENGINE and its README. `null`: no counterpart there.
 */
export interface ToolCounterpart {
  /** Inflow's tool name (electron/core/tools/builtin). */
  inflow: string;
  /** The reference's tool class, or null. */
  reference: string | null;
  /** The reference's TOOL_ENGINE entry: the fixed base model served by vLLM (as Inflow runs it), or the tool's default. */
  engine: 'base' | 'Default';
  note: string;
}

export const toolCounterparts: readonly ToolCounterpart[] = [
  {
    inflow: 'Generalist_Solution_Generator_Tool',
    reference: 'Base_Generator_Tool',
    engine: 'base',
    note: 'answers a sub-question with the fixed base model, as Inflow does',
  },
  {
    inflow: 'Python_Code_Generator_Tool',
    reference: 'Python_Coder_Tool',
    engine: 'base',
    note: 'writes and runs Python; the reference runs it in its own process, Inflow in a sandbox',
  },
  { inflow: 'Web_Search_Tool', reference: 'Google_Search_Tool', engine: 'Default', note: 'needs a Google API key on the cluster' },
  {
    inflow: 'Web_RAG_Search_Tool',
    reference: 'Web_Search_Tool',
    engine: 'Default',
    note: 'fetches pages and retrieves passages; needs network on the cluster',
  },
  { inflow: 'Wikipedia_RAG_Search_Tool', reference: 'Wikipedia_Search_Tool', engine: 'Default', note: 'needs network on the cluster' },
  {
    inflow: 'Knowledge_Search_Tool',
    reference: null,
    engine: 'Default',
    note: "searches the user's own documents on this machine; they do not go to the cluster",
  },
];

/** The tools Inflow's training rollouts use (electron/core/training/flow-grpo/cli-session.ts). */
export const trainingRolloutTools: readonly string[] = ['Generalist_Solution_Generator_Tool', 'Python_Code_Generator_Tool'];

/** The counterpart of an Inflow tool name; MCP tools and anything unknown have none. */
export function counterpartOf(inflowTool: string): ToolCounterpart | undefined {
  return toolCounterparts.find((tool) => tool.inflow === inflowTool);
}
