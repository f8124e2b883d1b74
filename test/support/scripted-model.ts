import { InflowError } from '../../electron/core/errors.ts';
import type { ChatMessage, GenerateRequest, Generation, LanguageModel } from '../../electron/core/llm/language-model.ts';

/** What one scripted turn produces: text, a value to send as JSON, or an error to throw. */
export type ScriptedReply = string | { json: unknown } | Error;

/** A scripted turn: a fixed reply, or a function of the request (and the turn's index) that returns one. */
export type ScriptedTurn = ScriptedReply | ((request: GenerateRequest, index: number) => ScriptedReply | Promise<ScriptedReply>);

export interface ScriptedLanguageModelOptions {
  turns: ScriptedTurn[];
  id?: string;
  adapterId?: string | null;
  contextSize?: number;
  /** Fake vocabulary size for token ids. */
  vocabSize?: number;
}

/**
 * A LanguageModel that replays scripted replies, for fast unit tests of control flow (agent loops, parsing,
 * recording). Tokens are fake but consistent: the same piece of text always gets the same id, prompts are
 * rendered with ChatML, and each response token gets a stable log-probability below zero. Every request is
 * kept in `requests` for assertions. Runs out loudly: a call beyond the script throws SCRIPT_EXHAUSTED.
 */
export class ScriptedLanguageModel implements LanguageModel {
  readonly id: string;
  readonly adapterId: string | null;
  readonly contextSize: number;
  readonly requests: GenerateRequest[] = [];
  private readonly turns: ScriptedTurn[];
  private readonly vocabSize: number;

  constructor(options: ScriptedLanguageModelOptions) {
    this.turns = [...options.turns];
    this.id = options.id ?? 'scripted';
    this.adapterId = options.adapterId ?? null;
    this.contextSize = options.contextSize ?? 4096;
    this.vocabSize = options.vocabSize ?? 32000;
  }

  /** Turns not yet used. */
  get remaining(): number {
    return this.turns.length - this.requests.length;
  }

  async generate(request: GenerateRequest): Promise<Generation> {
    const index = this.requests.length;
    this.requests.push(request);
    const turn = this.turns[index];
    if (turn === undefined) {
      throw new InflowError(
        'SCRIPT_EXHAUSTED',
        `ScriptedLanguageModel "${this.id}" got call ${index + 1} but was scripted for ${this.turns.length}.`,
      );
    }
    const reply = typeof turn === 'function' ? await turn(request, index) : turn;
    if (reply instanceof Error) throw reply;
    const fullText = typeof reply === 'string' ? reply : JSON.stringify(reply.json);

    const promptText = renderChatMl(request.messages);
    const promptTokens = this.tokenize(promptText);
    const pieces = splitPieces(fullText);
    const maxTokens = request.sampling?.maxTokens ?? Infinity;
    let stopReason: Generation['stopReason'] = 'eos';
    const kept: string[] = [];
    for (const piece of pieces) {
      if (request.signal?.aborted === true) {
        stopReason = 'aborted';
        break;
      }
      if (kept.length >= maxTokens) {
        stopReason = 'max_tokens';
        break;
      }
      kept.push(piece);
      request.onTextChunk?.(piece);
    }
    const text = kept.join('');
    const responseTokens = kept.map((piece) => this.pieceId(piece));
    let parsed: unknown;
    if (request.jsonSchema !== undefined && stopReason === 'eos') {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new InflowError('MODEL_OUTPUT_INVALID', `Scripted reply ${index + 1} is not JSON but the request had a schema: ${text.slice(0, 80)}`, {
          cause: error,
        });
      }
    }
    return {
      text,
      ...(parsed === undefined ? {} : { parsed }),
      promptText,
      promptTokens,
      responseTokens,
      responseLogprobs: responseTokens.map((token, position) => -(0.05 + ((token * 31 + position * 7) % 997) / 400)),
      stopReason,
      modelId: this.id,
      adapterId: this.adapterId,
      timings: { promptMs: 0, generateMs: 0 },
    };
  }

  countTokens(text: string): number {
    return splitPieces(text).length;
  }

  private tokenize(text: string): number[] {
    return splitPieces(text).map((piece) => this.pieceId(piece));
  }

  private pieceId(piece: string): number {
    let hash = 2166136261;
    for (let index = 0; index < piece.length; index++) hash = Math.imul(hash ^ piece.charCodeAt(index), 16777619) >>> 0;
    return hash % this.vocabSize;
  }
}

/** Words with their leading space, punctuation and ChatML markers as separate pieces. */
function splitPieces(text: string): string[] {
  return text.match(/<\|[a-z_]+\|>|\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+/gu) ?? [];
}

function renderChatMl(messages: ChatMessage[]): string {
  return messages.map((message) => `<|im_start|>${message.role}\n${message.content}<|im_end|>\n`).join('') + '<|im_start|>assistant\n';
}
