import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from 'node-llama-cpp';
import { InflowError } from '../errors.ts';
import type { ChatMessage } from './language-model.ts';

export interface ChatPrompt {
  tokens: Token[];
  /** The prompt exactly as the model sees it, special tokens included. */
  text: string;
}

/** Renders chat messages with the model's own chat template (through node-llama-cpp's chat wrapper) and tokenizes them. */
export function renderChatPrompt(model: LlamaModel, chatWrapper: ChatWrapper, messages: readonly ChatMessage[]): ChatPrompt {
  if (messages.length === 0) throw new InflowError('INVALID_REQUEST', 'A generation needs at least one message.');
  const chatHistory: ChatHistoryItem[] = messages.map((message) => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
  chatHistory.push({ type: 'model', response: [] });
  const { contextText } = chatWrapper.generateContextState({ chatHistory });
  const tokens = contextText.tokenize(model.tokenizer);
  return { tokens, text: model.detokenize(tokens, true) };
}
