import { InflowError } from '../errors.ts';
import type { Fetch } from '../net/network.ts';
import type { GenerateRequest, Generation, LanguageModel } from './language-model.ts';

export interface OpenAiCompatibleOptions {
  /** Server root, e.g. http://127.0.0.1:8080 (llama-server), http://127.0.0.1:11434 (Ollama), http://127.0.0.1:1234 (LM Studio). */
  baseUrl: string;
  /** Model name the server knows. */
  model: string;
  apiKey?: string;
  contextSize?: number;
  timeoutMs?: number;
  /** How requests leave: the network module's fetcher('endpoint') (policy and egress log). */
  fetch: Fetch;
}

/**
 * Opt-in: a local OpenAI-compatible server (llama-server, Ollama, LM Studio) as the model of the fixed modules
 * (executor, verifier, generator). Sends /v1/chat/completions with the sampling options, `response_format`
 * json_schema for constrained requests, and asks for log-probs. Such servers do not return token ids, so the
 * generations carry none (`promptTokens`/`responseTokens` are empty; `usage` holds the counts): they are not
 * used for training, which needs the planner on the local engine.
 */
export class OpenAiCompatibleModel implements LanguageModel {
  readonly id: string;
  readonly adapterId = null;
  readonly contextSize: number;
  private readonly options: OpenAiCompatibleOptions;

  constructor(options: OpenAiCompatibleOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new InflowError('ENDPOINT_INVALID', `"${options.baseUrl}" is not a URL.`, { hint: 'Use e.g. http://127.0.0.1:8080 for llama-server.' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InflowError('ENDPOINT_INVALID', `The endpoint must be http(s), not ${url.protocol}`);
    this.options = options;
    this.id = `${options.model}@${url.host}`;
    this.contextSize = options.contextSize ?? 8192;
  }

  async generate(request: GenerateRequest): Promise<Generation> {
    const sampling = request.sampling ?? {};
    const body: Record<string, unknown> = {
      model: this.options.model,
      messages: request.messages,
      temperature: sampling.temperature ?? 0,
      ...(sampling.topP === undefined ? {} : { top_p: sampling.topP }),
      ...(sampling.topK === undefined ? {} : { top_k: sampling.topK }),
      ...(sampling.frequencyPenalty === undefined ? {} : { frequency_penalty: sampling.frequencyPenalty }),
      ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
      ...(sampling.maxTokens === undefined ? {} : { max_tokens: sampling.maxTokens }),
      ...(request.jsonSchema === undefined
        ? {}
        : { response_format: { type: 'json_schema', json_schema: { name: 'output', strict: true, schema: request.jsonSchema } } }),
      logprobs: true,
      stream: false,
    };
    const started = performance.now();
    const signal = AbortSignal.any([...(request.signal ? [request.signal] : []), AbortSignal.timeout(this.options.timeoutMs ?? 300_000)]);
    let response: Response;
    try {
      response = await this.options.fetch(completionsUrl(this.options.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new InflowError('ENDPOINT_UNREACHABLE', `Could not reach ${this.options.baseUrl}: ${(error as Error).message}`, {
        hint: 'Is the local server running?',
        cause: error,
      });
    }
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300);
      throw new InflowError('ENDPOINT_FAILED', `${this.options.baseUrl} answered ${response.status}: ${text}`, {
        hint: `Check that the server serves the model "${this.options.model}".`,
      });
    }
    const json = (await response.json()) as {
      choices?: Array<{ message?: { content?: string }; finish_reason?: string; logprobs?: { content?: Array<{ logprob: number }> } }>;
      usage?: { prompt_tokens?: number; completion_tokens?: number };
    };
    const choice = json.choices?.[0];
    const text = choice?.message?.content ?? '';
    let parsed: unknown;
    if (request.jsonSchema !== undefined) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    request.onTextChunk?.(text);
    const generation: Generation & { usage: { promptTokens: number; responseTokens: number } } = {
      text,
      ...(parsed === undefined ? {} : { parsed }),
      promptText: request.messages.map((m) => `${m.role}: ${m.content}`).join('\n'),
      promptTokens: [],
      responseTokens: [],
      responseLogprobs: choice?.logprobs?.content?.map((entry) => entry.logprob) ?? [],
      stopReason: choice?.finish_reason === 'length' ? 'max_tokens' : 'eos',
      modelId: this.id,
      adapterId: null,
      timings: { promptMs: 0, generateMs: performance.now() - started },
      usage: { promptTokens: json.usage?.prompt_tokens ?? 0, responseTokens: json.usage?.completion_tokens ?? 0 },
    };
    return generation;
  }

  /** Approximation (4 characters per token): these servers have no standard tokenize call. */
  countTokens(text: string): number {
    return Math.ceil(text.length / 4);
  }
}

/** `<base>/v1/chat/completions`, or `<base>/chat/completions` when the base already ends in /v1. */
function completionsUrl(baseUrl: string): string {
  const root = baseUrl.replace(/\/+$/, '');
  return root.endsWith('/v1') ? `${root}/chat/completions` : `${root}/v1/chat/completions`;
}
