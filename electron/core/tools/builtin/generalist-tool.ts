import { z } from 'zod';
import { InflowError } from '../../errors.ts';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../tool.ts';

/**
 * Generalist_Solution_Generator_Tool: sends the query alone to a model (greedy) and returns its answer, as the
 * reference's base generator. Uses the model given here, else the run's generator model (ToolContext.model).
 */
export function createGeneralistTool(options: { model?: import('../../llm/language-model.ts').LanguageModel; maxTokens?: number } = {}): Tool {
  return defineTool({
    name: 'Generalist_Solution_Generator_Tool',
    description: 'A general-purpose language model that answers a question or performs a reasoning or writing task described in the query.',
    input: z.object({ query: z.string().min(1).describe('the complete question or task, with all the context it needs') }),
    output: "The model's answer as text.",
    limitations: ['It may hallucinate facts and make arithmetic mistakes.', 'It sees only the query, not previous steps.'],
    bestPractices: [
      'Use it for reasoning, summarising, explaining and drafting.',
      'Include all relevant context in the query; verify important facts with another tool.',
    ],
    examples: [
      { input: { query: 'Summarize the main causes of the French Revolution in three sentences.' }, description: 'a general reasoning task' },
    ],
    timeoutMs: 180_000,
    async execute({ query }, context) {
      const model = options.model ?? context.model;
      if (model === undefined) throw new InflowError('TOOL_NO_MODEL', 'The generalist tool has no model to answer with.');
      const generation = await model.generate({
        messages: [{ role: 'user', content: query }],
        sampling: { temperature: 0, maxTokens: options.maxTokens ?? 768 },
        signal: context.signal,
      });
      return generation.text.trim();
    },
  });
}
