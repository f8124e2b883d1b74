import type { LanguageModel } from '../llm/language-model.ts';
import { parsePartialJson } from '../agent/partial-json.ts';

const prompt = (
  question: string,
  answer: string,
) => `Task: List the lasting facts about the user or their preferences that this exchange reveals and that would help with future tasks (e.g. where they live, what they work on, how they like answers). Do not list general knowledge or facts about the answer itself. Return an empty list if there are none.

User's question: ${question}

Answer given: ${answer}`;

/**
 * Candidate long-term memory entries from one finished task, for the user to confirm (nothing is stored
 * here): at most three short facts or preferences, generated greedily under a JSON schema. Returns [] when
 * the model proposes nothing usable.
 */
export async function proposeFacts(options: {
  question: string;
  answer: string;
  model: LanguageModel;
  signal?: AbortSignal;
}): Promise<Array<{ content: string; kind: 'fact' | 'preference' }>> {
  const generation = await options.model.generate({
    messages: [{ role: 'user', content: prompt(options.question, options.answer.slice(0, 4000)) }],
    jsonSchema: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          maxItems: 3,
          items: {
            type: 'object',
            properties: { kind: { enum: ['fact', 'preference'] }, content: { type: 'string', maxLength: 200 } },
            required: ['kind', 'content'],
            additionalProperties: false,
          },
        },
      },
      required: ['items'],
      additionalProperties: false,
    },
    sampling: { temperature: 0, maxTokens: 400 },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const value = (generation.parsed ?? parsePartialJson(generation.text)) as { items?: Array<{ kind?: unknown; content?: unknown }> } | undefined;
  return (value?.items ?? [])
    .filter((item) => typeof item.content === 'string' && item.content.trim().length >= 3)
    .map((item) => ({ content: (item.content as string).trim(), kind: item.kind === 'preference' ? ('preference' as const) : ('fact' as const) }));
}
