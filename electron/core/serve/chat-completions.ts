import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Generation, LanguageModel } from '../llm/language-model.ts';
import type { ParsedChatRequest } from './chat-request.ts';
import { clientGone, EventStream, sendJson } from './http-io.ts';
import { StopMatcher } from './stop-sequences.ts';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usageOf(generation: Pick<Generation, 'promptTokens' | 'responseTokens'>): Usage {
  const prompt = generation.promptTokens.length;
  const completion = generation.responseTokens.length;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function completionId(): string {
  return `chatcmpl-${crypto.randomBytes(12).toString('base64url')}`;
}

function finishReason(generation: Generation, stopped: boolean): 'stop' | 'length' {
  return stopped || generation.stopReason === 'eos' ? 'stop' : 'length';
}

/**
 * One chat completion on one model (the planner with its adapter, or another installed model): the messages
 * through the model's chat template, OpenAI's sampling fields, JSON-schema output through the engine's
 * grammar, stop sequences, token usage; streamed as chat.completion.chunk events or answered whole. A client
 * that disconnects stops the generation.
 */
export async function chatCompletion(
  request: IncomingMessage,
  response: ServerResponse,
  model: LanguageModel,
  chat: ParsedChatRequest,
  modelName: string,
): Promise<void> {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  // One signal for both reasons to stop: the client went away, or a stop sequence was reached.
  const halt = new AbortController();
  const signal = clientGone(request, response, halt);
  let gone = false;
  response.once('close', () => {
    gone = !response.writableFinished;
  });
  const stops = new StopMatcher(chat.stop);
  const useStops = chat.stop.length > 0;
  const base = { id, created, model: modelName, system_fingerprint: null };

  if (!chat.stream) {
    const generation = await model.generate({
      messages: chat.messages,
      sampling: chat.sampling,
      signal,
      ...(chat.jsonSchema === undefined ? {} : { jsonSchema: chat.jsonSchema }),
      ...(useStops
        ? {
            onTextChunk: (text: string) => {
              stops.push(text);
              if (stops.stopped) halt.abort();
            },
          }
        : {}),
    });
    if (gone || response.destroyed) return;
    const content = useStops ? (stops.flush(), stops.text) : generation.text;
    sendJson(response, 200, {
      ...base,
      object: 'chat.completion',
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason(generation, stops.stopped) },
      ],
      usage: usageOf(generation),
    });
    return;
  }

  const stream = new EventStream(response);
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    stream.send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  chunk({ role: 'assistant', content: '' }, null);
  const generation = await model.generate({
    messages: chat.messages,
    sampling: chat.sampling,
    signal,
    ...(chat.jsonSchema === undefined ? {} : { jsonSchema: chat.jsonSchema }),
    onTextChunk: (text) => {
      const out = useStops ? stops.push(text) : text;
      if (out !== '') chunk({ content: out }, null);
      if (stops.stopped) halt.abort();
    },
  });
  if (!stream.open) return;
  const tail = useStops ? stops.flush() : '';
  if (tail !== '') chunk({ content: tail }, null);
  chunk({}, finishReason(generation, stops.stopped));
  if (chat.includeUsage) stream.send({ ...base, object: 'chat.completion.chunk', choices: [], usage: usageOf(generation) });
  stream.end();
}
