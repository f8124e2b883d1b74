import path from 'node:path';
import { resolveChatWrapper, type ChatWrapper, type LlamaContext, type LlamaGrammar, type LlamaModel } from 'node-llama-cpp';
import { InflowError } from '../errors.ts';
import { checkAdapterFile } from './adapter-file.ts';
import { createContext, type ContextSettings } from './context-factory.ts';
import { renderChatPrompt } from './chat-prompt.ts';
import { generateOnSequence } from './generate-on-sequence.ts';
import type { GenerateRequest, Generation, JsonSchema, LanguageModel } from './language-model.ts';
import { SequencePool } from './sequence-pool.ts';

export type { ContextSettings } from './context-factory.ts';

type JsonGrammar = LlamaGrammar & { parse(json: string): unknown };

interface AdapterState {
  id: string;
  filePath: string;
  scale: number;
}

/**
 * A GGUF model loaded by the engine, behind the LanguageModel port. Generations use the model's own chat
 * template, stream text, stop on an AbortSignal and return prompt tokens, response tokens and per-token
 * log-probabilities. A LoRA adapter can be applied, switched or removed without reloading the weights.
 */
export class LocalModel implements LanguageModel {
  readonly id: string;
  /** The absolute path of the GGUF file (adapters are registered per model file). */
  readonly filePath: string;
  readonly llamaModel: LlamaModel;
  readonly chatWrapper: ChatWrapper;
  private readonly settings: ContextSettings;
  private context: LlamaContext;
  private pool: SequencePool;
  private adapter: AdapterState | null = null;
  private switching: Promise<void> | null = null;
  private readonly grammars = new Map<string, Promise<JsonGrammar>>();

  private constructor(id: string, filePath: string, llamaModel: LlamaModel, settings: ContextSettings, context: LlamaContext) {
    this.id = id;
    this.filePath = filePath;
    this.llamaModel = llamaModel;
    this.settings = settings;
    this.context = context;
    this.pool = new SequencePool(context);
    this.chatWrapper = resolveChatWrapper(llamaModel);
  }

  /** @internal Used by Engine.loadModel. */
  static async create(id: string, filePath: string, llamaModel: LlamaModel, settings: ContextSettings): Promise<LocalModel> {
    return new LocalModel(id, filePath, llamaModel, settings, await createContext(llamaModel, settings, null));
  }

  get adapterId(): string | null {
    return this.adapter?.id ?? null;
  }
  get adapterScale(): number | null {
    return this.adapter?.scale ?? null;
  }
  get contextSize(): number {
    return this.context.contextSize;
  }
  get parallelSequences(): number {
    return this.pool.size;
  }
  /** The chat template family node-llama-cpp recognised (e.g. "ChatML", "Qwen"). */
  get chatTemplateName(): string {
    return this.chatWrapper.wrapperName;
  }

  async generate(request: GenerateRequest): Promise<Generation> {
    const prompt = renderChatPrompt(this.llamaModel, this.chatWrapper, request.messages);
    const grammar = request.jsonSchema === undefined ? undefined : await this.grammarFor(request.jsonSchema);
    while (this.switching !== null) await this.switching.catch(() => undefined);
    const pool = this.pool;
    const adapterId = this.adapterId;
    const sequence = await pool.acquire();
    try {
      const result = await generateOnSequence({
        model: this.llamaModel,
        sequence,
        prompt,
        ...(request.sampling === undefined ? {} : { sampling: request.sampling }),
        ...(grammar === undefined ? {} : { grammar }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
        ...(request.onTextChunk === undefined ? {} : { onTextChunk: request.onTextChunk }),
      });
      const generation: Generation = {
        text: result.text,
        promptText: prompt.text,
        promptTokens: [...prompt.tokens],
        responseTokens: result.responseTokens,
        responseLogprobs: result.responseLogprobs,
        stopReason: result.stopReason,
        modelId: this.id,
        adapterId,
        timings: { promptMs: result.promptMs, generateMs: result.generateMs },
      };
      if (grammar !== undefined && result.stopReason === 'eos') generation.parsed = parseJson(grammar, generation);
      return generation;
    } finally {
      pool.release(sequence);
    }
  }

  /**
   * `count` generations of one request at once on the context's parallel sequences (GRPO rollouts).
   * Seeds are `seed + i` so the group is reproducible and its members differ.
   */
  generateGroup(request: GenerateRequest, count: number): Promise<Generation[]> {
    const seed = request.sampling?.seed ?? Math.floor(Math.random() * 2 ** 31);
    return Promise.all(
      Array.from({ length: count }, (_, index) => this.generate({ ...request, sampling: { ...request.sampling, seed: seed + index } })),
    );
  }

  countTokens(text: string): number {
    return this.llamaModel.tokenize(text).length;
  }

  /**
   * Applies a GGUF LoRA adapter at `scale`, switches to another, or removes it (`null`), keeping the base
   * weights loaded. Waits for running generations; the context (and its cache) is recreated.
   */
  async setAdapter(filePath: string | null, scale = 1, options: { id?: string } = {}): Promise<void> {
    let next: AdapterState | null = null;
    if (filePath !== null) {
      checkAdapterFile(filePath, String(this.llamaModel.fileInfo.metadata.general.architecture), this.id);
      if (!(scale > 0 && scale <= 4)) throw new InflowError('INVALID_ADAPTER_SCALE', `Adapter scale ${scale} must be in (0, 4].`);
      next = { id: options.id ?? path.basename(filePath, '.gguf'), filePath, scale };
    }
    while (this.switching !== null) await this.switching.catch(() => undefined);
    const switching = (async () => {
      await this.pool.drain();
      await this.context.dispose();
      try {
        this.context = await createContext(this.llamaModel, this.settings, next);
        this.adapter = next;
      } catch (error) {
        this.context = await createContext(this.llamaModel, this.settings, null);
        this.adapter = null;
        throw new InflowError('ADAPTER_LOAD_FAILED', `Could not apply adapter ${next?.filePath}: ${(error as Error).message}`, { cause: error });
      } finally {
        this.pool = new SequencePool(this.context);
      }
    })();
    this.switching = switching;
    try {
      await switching;
    } finally {
      this.switching = null;
    }
  }

  /** Bytes used by the weights and by the context (KV cache and buffers), as node-llama-cpp reports them. */
  memoryUsage(): { modelBytes: number; contextBytes: number } {
    return { modelBytes: this.llamaModel.size, contextBytes: estimateContextBytes(this) };
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.llamaModel.dispose();
  }

  private grammarFor(schema: JsonSchema): Promise<JsonGrammar> {
    const key = JSON.stringify(schema);
    const cached = this.grammars.get(key);
    if (cached !== undefined) return cached;
    const grammar = (this.llamaModel.llama.createGrammarForJsonSchema(schema as never) as Promise<JsonGrammar>).catch((error: unknown) => {
      this.grammars.delete(key);
      throw new InflowError('INVALID_JSON_SCHEMA', `The JSON schema cannot be turned into a grammar: ${(error as Error).message}`, { cause: error });
    });
    this.grammars.set(key, grammar);
    return grammar;
  }
}

function estimateContextBytes(model: LocalModel): number {
  const insights = model.llamaModel.fileInsights;
  return insights.estimateContextResourceRequirements({
    contextSize: model.contextSize,
    sequences: model.parallelSequences,
    modelGpuLayers: model.llamaModel.gpuLayers,
  }).cpuRam;
}

/** Parses and validates JSON output; on failure the error carries the generation (details.generation) for recording. */
function parseJson(grammar: JsonGrammar, generation: Generation): unknown {
  try {
    return grammar.parse(generation.text);
  } catch (error) {
    throw new InflowError('MODEL_OUTPUT_INVALID', `The model's JSON output does not match the schema: ${generation.text.slice(0, 120)}`, {
      cause: error,
      details: { generation },
      hint: 'Retry with another seed or a lower temperature.',
    });
  }
}
