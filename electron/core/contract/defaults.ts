/**
 * The defaults both front ends share: the desktop app (through the API services) and the CLI read them from
 * here, so `inflow ask` and the Ask screen, `inflow eval` and an evaluation, `inflow memory add` and the Memory
 * screen behave alike. (User-changeable settings and their defaults are in settings.ts; training's in
 * training/flow-grpo/training-config.ts, which takes its context from here.) This file is in the contract so that the
 * renderer may show the same limits.
 */
export const defaults = {
  /**
   * Context (tokens) of the models an agent run loads, structured profile: planner, executor, verifier and
   * generator prompts carry the tool cards, up to 8 remembered facts and the step history of up to `maxSteps`
   * (8) steps, which outgrow 4096 tokens on multi-step tasks; 8192 holds them and costs about 0.2 GB of KV cache
   * for a 1.5B model, 0.45 GB for a 7B one (f16).
   */
  agentContextSize: 8192,
  /** The same with the agentflow profile: the reference's long tool cards and 2048-token answers need more. */
  agentflowContextSize: 16384,
  /**
   * Training rollouts (Flow-GRPO): a group of sequences per task, 3 agent steps by default, and the trainer's
   * memory grows with the context; runs stored before the setting existed used this value too.
   */
  trainingContextSize: 4096,
  /** A model loaded for plain chat (`inflow chat`) or with no role stated. */
  modelContextSize: 4096,
  /** An embedding model for knowledge search (`--embed-model`): passages are embedded in chunks of up to this many tokens. */
  embeddingContextSize: 512,
  /**
   * The longest long-term memory entry, in characters. Up to 8 entries go into every planner prompt, so an
   * entry must stay a short fact (8 × 2000 characters is already about 4000 tokens); the store has always
   * enforced 2000, so no stored entry is longer.
   */
  memoryEntryMaxChars: 2000,
  /**
   * Knowledge-search hits a person gets (the Knowledge screen, `inflow knowledge search`) unless they ask for another
   * number: 10, one screen of results to scan by eye (the screen always showed 10; the CLI showed 5 before, the
   * agent's budget, which is not a person's). `--limit N` and the contract's `limit` (1-50) choose another.
   */
  knowledgeSearchHits: 10,
  /**
   * Knowledge-search hits the agent's knowledge-search tool puts into a prompt unless the planner asks for more
   * (up to 10): each passage is up to ~1000 characters, so 5 keep a tool result within a few thousand tokens.
   */
  agentKnowledgeHits: 5,
} as const;

/** The context of an agent run's models under a prompt profile. */
export function agentContextSize(profile: 'structured' | 'agentflow' | undefined): number {
  return profile === 'agentflow' ? defaults.agentflowContextSize : defaults.agentContextSize;
}
