import { LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaGrammar, type LlamaModel, type Token } from 'node-llama-cpp';
import { InflowError } from '../errors.ts';
import type { ChatPrompt } from './chat-prompt.ts';
import type { GenerationStopReason, SamplingOptions } from './language-model.ts';
import { toEvaluateOptions } from './sampling.ts';
import { TextStreamer } from './text-streamer.ts';

export interface SequenceGeneration {
  text: string;
  responseTokens: number[];
  responseLogprobs: number[];
  stopReason: GenerationStopReason;
  promptMs: number;
  generateMs: number;
}

export interface GenerateOnSequenceOptions {
  model: LlamaModel;
  sequence: LlamaContextSequence;
  prompt: ChatPrompt;
  sampling?: SamplingOptions;
  grammar?: LlamaGrammar;
  signal?: AbortSignal;
  onTextChunk?: (text: string) => void;
}

/** Below any log-probability a float can hold; stands for a probability reported as 0. */
const LOG_ZERO = -1e4;

/**
 * Generates one response on a context sequence from a rendered prompt, reusing the sequence's cached prefix.
 * Records each sampled token and its log-probability under the distribution it was sampled from (after
 * temperature, top-k, top-p, penalties and grammar; 0 under greedy decoding, temperature 0). The end-of-generation token, when sampled, is part of
 * the response tokens (it is a sampled action) but not of the text. The context never shifts: a prompt that
 * does not fit is an error, and generation stops at the end of the context.
 */
export async function generateOnSequence(options: GenerateOnSequenceOptions): Promise<SequenceGeneration> {
  const { model, sequence, prompt, sampling = {}, grammar, signal, onTextChunk } = options;
  const promptLength = prompt.tokens.length;
  const room = sequence.contextSize - promptLength;
  if (room < 1) {
    throw new InflowError('CONTEXT_OVERFLOW', `The prompt is ${promptLength} tokens but the context holds ${sequence.contextSize}.`, {
      hint: 'Load the model with a larger contextSize, or shorten the conversation.',
    });
  }
  const maxTokens = Math.min(sampling.maxTokens ?? room, room);
  const responseTokens: number[] = [];
  const responseLogprobs: number[] = [];
  const evaluateOptions = toEvaluateOptions(sampling, () => responseTokens as Token[], maxTokens);
  if (grammar !== undefined) evaluateOptions.grammarEvaluationState = new LlamaGrammarEvaluationState({ model, grammar });
  const streamer = new TextStreamer(model);
  const jsonOutput = grammar !== undefined;
  const aborted = () => signal?.aborted === true;
  // Text is decoded token by token only when someone reads it on the way (a stream, or the JSON end check).
  const streaming = onTextChunk !== undefined || jsonOutput;

  await sequence.adaptStateToTokens(prompt.tokens, false);
  if (sequence.nextTokenIndex >= promptLength) {
    await sequence.eraseContextTokenRanges([{ start: promptLength - 1, end: sequence.nextTokenIndex }]);
  }
  const toEvaluate = prompt.tokens.slice(sequence.nextTokenIndex);

  const started = performance.now();
  let firstTokenAt: number | undefined;
  let stopReason: GenerationStopReason = 'max_tokens';
  if (aborted()) stopReason = 'aborted';
  else {
    // Greedy decoding draws from a point mass (log-prob 0); asking llama.cpp for the softmax there would sort the
    // whole vocabulary for every token.
    const metadata = { confidence: (evaluateOptions.temperature ?? 0) > 0 };
    for await (const output of sequence.evaluateWithMetadata(toEvaluate, metadata, evaluateOptions)) {
      firstTokenAt ??= performance.now();
      responseTokens.push(output.token);
      const confidence = (output as { confidence?: number }).confidence ?? 1;
      responseLogprobs.push(confidence > 0 ? Math.log(confidence) : LOG_ZERO);
      if (model.isEogToken(output.token)) {
        stopReason = 'eos';
        break;
      }
      if (streaming) {
        const chunk = streamer.push(output.token);
        if (chunk !== '') onTextChunk?.(chunk);
        if (jsonOutput && isCompleteJson(streamer.text)) {
          stopReason = 'eos';
          break;
        }
      }
      if (aborted()) {
        stopReason = 'aborted';
        break;
      }
      if (responseTokens.length >= maxTokens) break;
    }
  }
  const tail = streamer.flush();
  if (tail !== '') onTextChunk?.(tail);
  const ended = performance.now();
  const textTokens = stopReason === 'eos' && !streaming ? responseTokens.slice(0, -1) : responseTokens;
  return {
    text: streaming ? streamer.text : model.detokenize(textTokens as Token[]),
    responseTokens,
    responseLogprobs,
    stopReason,
    promptMs: (firstTokenAt ?? ended) - started,
    generateMs: ended - (firstTokenAt ?? ended),
  };
}

/** A JSON object or array whose outer bracket has closed: nothing the grammar allows after it but whitespace. */
function isCompleteJson(text: string): boolean {
  const trimmed = text.trim();
  const last = trimmed.at(-1);
  if (last !== '}' && last !== ']') return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}
