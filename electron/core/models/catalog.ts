import { InflowError } from '../errors.ts';

/** A recommended model Inflow knows how to download. */
export interface CatalogModel {
  id: string;
  name: string;
  /** What it is good for, in a few words (shown by `inflow models list`). */
  description: string;
  url: string;
  /** Approximate size of the file, used for disk and memory checks before downloading. */
  approxBytes: number;
  /** SHA-256 of the file when published; verified after download when present. */
  sha256?: string;
  quantization: string;
  parameters: string;
  contextLength: number;
  /** The default planner model of a fresh install. */
  recommended?: boolean;
  /** Catalog id of the model this planner was trained alongside, for the executor, verifier and generator. */
  fixedModel?: string;
  /** The prompt profile this planner was trained on (`inflow ask` uses it unless --profile says otherwise). */
  profile?: 'agentflow';
}

const hf = (repo: string, file: string) => `https://huggingface.co/${repo}/resolve/main/${file}`;

/**
 * Recommended planner models: instruction-tuned, good at following JSON schemas, small enough for laptops.
 * Sizes are those of the Q4_K_M files on Hugging Face, rounded.
 */
export const modelCatalog: readonly CatalogModel[] = [
  {
    id: 'qwen2.5-1.5b-instruct-q4_k_m',
    name: 'Qwen2.5 1.5B Instruct',
    parameters: '1.5B',
    quantization: 'Q4_K_M',
    description: 'fast planner for 8 GB machines; weakest reasoning',
    url: hf('bartowski/Qwen2.5-1.5B-Instruct-GGUF', 'Qwen2.5-1.5B-Instruct-Q4_K_M.gguf'),
    approxBytes: 986_000_000,
    contextLength: 32768,
  },
  {
    id: 'qwen2.5-3b-instruct-q4_k_m',
    name: 'Qwen2.5 3B Instruct',
    parameters: '3B',
    quantization: 'Q4_K_M',
    description: 'balanced planner for 16 GB machines',
    recommended: true,
    url: hf('bartowski/Qwen2.5-3B-Instruct-GGUF', 'Qwen2.5-3B-Instruct-Q4_K_M.gguf'),
    approxBytes: 1_930_000_000,
    contextLength: 32768,
  },
  {
    id: 'qwen2.5-7b-instruct-q4_k_m',
    name: 'Qwen2.5 7B Instruct',
    parameters: '7B',
    quantization: 'Q4_K_M',
    description: "the AgentFlow paper's planner size; needs about 6 GB RAM or VRAM",
    url: hf('bartowski/Qwen2.5-7B-Instruct-GGUF', 'Qwen2.5-7B-Instruct-Q4_K_M.gguf'),
    approxBytes: 4_680_000_000,
    contextLength: 32768,
  },
  {
    // The released AgentFlow planner (Qwen2.5-7B-Instruct after Flow-GRPO, huggingface.co/AgentFlow/agentflow-planner-7b)
    // as bartowski's llama.cpp quantization (b6714, imatrix); its fixed modules were Qwen2.5-7B-Instruct.
    id: 'agentflow-planner-7b-q4_k_m',
    name: 'AgentFlow Planner 7B',
    parameters: '7B',
    quantization: 'Q4_K_M',
    description: 'the released AgentFlow planner (agentflow profile)',
    fixedModel: 'qwen2.5-7b-instruct-q4_k_m',
    profile: 'agentflow',
    url: hf('bartowski/AgentFlow_agentflow-planner-7b-GGUF', 'AgentFlow_agentflow-planner-7b-Q4_K_M.gguf'),
    approxBytes: 4_680_000_000,
    contextLength: 32768,
  },
  {
    id: 'llama-3.2-3b-instruct-q4_k_m',
    name: 'Llama 3.2 3B Instruct',
    parameters: '3B',
    quantization: 'Q4_K_M',
    description: 'alternative 3B planner (Meta license)',
    url: hf('bartowski/Llama-3.2-3B-Instruct-GGUF', 'Llama-3.2-3B-Instruct-Q4_K_M.gguf'),
    approxBytes: 2_020_000_000,
    contextLength: 131072,
  },
];

export function findCatalogModel(id: string): CatalogModel | undefined {
  return modelCatalog.find((model) => model.id === id);
}

/** The catalog entry for `id`, or UNKNOWN_MODEL listing the ids there are. */
export function getCatalogModel(id: string): CatalogModel {
  const model = findCatalogModel(id);
  if (model === undefined) {
    throw new InflowError('UNKNOWN_MODEL', `There is no model "${id}" in the catalog.`, {
      hint: `Known models: ${modelCatalog.map((entry) => entry.id).join(', ')}. Or pass a GGUF file path.`,
    });
  }
  return model;
}
