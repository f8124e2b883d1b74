/**
 * The port every module of the agent talks to. The node-llama-cpp engine implements it for local GGUF models;
 * an OpenAI-compatible client implements it for opt-in local servers; tests use a scripted implementation.
 * Whatever implements it returns, for each generation, exactly what Flow-GRPO needs: the prompt token ids,
 * the sampled response token ids and each sampled token's log-probability.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface SamplingOptions {
  /** 0 means greedy. */
  temperature?: number;
  topP?: number;
  /** 0 means no top-k cut; unset, the local engine uses node-llama-cpp's default of 40. */
  topK?: number;
  /** As OpenAI and vLLM define it: each token's logit is lowered by this times its count among all tokens generated so far. */
  frequencyPenalty?: number;
  seed?: number;
  maxTokens?: number;
}

/** A JSON schema (the subset node-llama-cpp grammars accept: object, array, string, number, integer, boolean, null, enum, const, oneOf). */
export type JsonSchema = Record<string, unknown>;

export interface GenerateRequest {
  messages: ChatMessage[];
  sampling?: SamplingOptions;
  /** When set, the output is constrained to this schema and returned parsed in `Generation.parsed`. */
  jsonSchema?: JsonSchema;
  signal?: AbortSignal;
  /** Streamed text as it is generated. */
  onTextChunk?: (text: string) => void;
}

export type GenerationStopReason = 'eos' | 'max_tokens' | 'aborted';

export interface Generation {
  text: string;
  /** Parsed JSON when the request had a `jsonSchema`. */
  parsed?: unknown;
  /** The prompt exactly as the model saw it (chat template applied). */
  promptText: string;
  promptTokens: number[];
  responseTokens: number[];
  /** log p(token) of each response token under the distribution it was sampled from (0 under greedy decoding, temperature 0). */
  responseLogprobs: number[];
  stopReason: GenerationStopReason;
  modelId: string;
  adapterId: string | null;
  timings: { promptMs: number; generateMs: number };
}

export interface LanguageModel {
  /** Catalog id or file name of the model. */
  readonly id: string;
  /** The LoRA adapter applied, if any. */
  readonly adapterId: string | null;
  /** The context window in tokens. */
  readonly contextSize: number;
  generate(request: GenerateRequest): Promise<Generation>;
  countTokens(text: string): Promise<number> | number;
}
