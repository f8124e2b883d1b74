import { z } from 'zod';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../tool.ts';
import { rankChunks, wordChunks } from './web-fetch.ts';
import { readPage, searchWeb, type WebToolOptions } from './web-tools.ts';

interface Source {
  url: string;
  title: string;
  text: string;
}

const answerPrompt = (
  query: string,
  sources: readonly Source[],
) => `Answer the query using only the numbered sources below. Cite the source of each statement as [n] right after it. If the sources do not contain the answer, say so.

Query: ${query}

Sources:
${sources.map((source, index) => `[${index + 1}] ${source.title} (${source.url})\n${source.text}`).join('\n\n')}`;

/**
 * Ground_Google_Search_Tool under the reference's name and card (the released planner relied on it for search
 * questions). The reference asks Gemini with Google Search grounding for an answer and inserts `[i](url)`
 * citations. Here, on the user's own machine: a web search (Web_Search_Tool's engine), the top `pages` results
 * read and cut to their passages most relevant to the query, and a summary by the run's model (greedy) citing
 * them as `[n](url)`; `add_citations: false` leaves the citations out. Without a model it returns the passages.
 * Only offered when web access is on.
 */
export function createGroundedSearchTool(options: WebToolOptions & { pages?: number; maxTokens?: number }): Tool {
  const pages = options.pages ?? 3;
  return defineTool({
    name: 'Ground_Google_Search_Tool',
    description: 'Searches the web, reads the top results and answers the query from them with numbered sources.',
    input: z.object({
      query: z.string().min(1).describe('the search query'),
      add_citations: z.boolean().default(true).describe('cite the sources as [n](url)'),
    }),
    output: 'The answer as text, with [n](url) citations unless add_citations is false.',
    limitations: [
      'Answers only from the few top results; pages that need JavaScript may be empty.',
      'The summary is written by the local model and may be wrong.',
    ],
    bestPractices: ['Ask one specific factual question per call.', 'Check important facts against the cited pages.'],
    examples: [{ input: { query: 'What is the capital of France?' }, description: 'a general knowledge question' }],
    timeoutMs: 90_000,
    async execute({ query, add_citations: addCitations }, context) {
      const results = (await searchWeb(query, options, context.signal)).slice(0, pages);
      if (results.length === 0) return `No web results were found for "${query}".`;
      const sources: Source[] = await Promise.all(
        results.map(async (result) => {
          try {
            const page = await readPage(result.url, options, context.signal);
            const passages = rankChunks(query, wordChunks(page.text), 2);
            return { url: page.url, title: page.title || result.title, text: passages.length > 0 ? passages.join(' … ') : result.snippet };
          } catch {
            return { url: result.url, title: result.title, text: result.snippet };
          }
        }),
      );
      if (context.model === undefined) {
        return sources.map((source, index) => `${source.text}${addCitations ? ` [${index + 1}](${source.url})` : ''}`).join('\n\n');
      }
      const generation = await context.model.generate({
        messages: [{ role: 'user', content: answerPrompt(query, sources) }],
        sampling: { temperature: 0, maxTokens: options.maxTokens ?? 768 },
        signal: context.signal,
      });
      return addCitations ? withCitationLinks(generation.text.trim(), sources) : withoutCitations(generation.text.trim());
    },
  });
}

/** `[n]` markers become `[n](url)` as the reference writes them; with none, the sources are listed at the end. */
export function withCitationLinks(answer: string, sources: readonly Source[]): string {
  let cited = false;
  const linked = answer.replace(/\[(\d+)\](?!\()/g, (marker, n: string) => {
    const source = sources[Number(n) - 1];
    if (source === undefined) return marker;
    cited = true;
    return `[${n}](${source.url})`;
  });
  return cited ? linked : `${linked}\n\nSources: ${sources.map((source, index) => `[${index + 1}](${source.url})`).join(', ')}`;
}

function withoutCitations(answer: string): string {
  return answer.replace(/\s*\[\d+\](?:\([^)\s]*\))?/g, '').trim();
}
