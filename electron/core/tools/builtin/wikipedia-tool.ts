import { z } from 'zod';
import type { KnowledgeIndex } from '../../knowledge/knowledge-index.ts';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../tool.ts';
import { fetchText, rankChunks, wordChunks } from './web-fetch.ts';
import type { Fetch } from '../../net/network.ts';
import { InflowError } from '../../errors.ts';

export interface WikipediaToolOptions {
  /** Use the online API (only when web access is on). */
  online: boolean;
  /** Offline dumps imported into the knowledge index (used when offline, and as a fallback). */
  index?: KnowledgeIndex;
  /** API endpoint, default https://en.wikipedia.org/w/api.php. */
  apiUrl?: string;
  /** The network module's fetcher('wikipedia'); needed when online. */
  fetch?: Fetch;
}

interface Page {
  title: string;
  url: string;
  abstract: string;
  retrieved_information?: string[];
}

/**
 * Wikipedia_RAG_Search_Tool with the reference's intended behaviour (its nested RAG tool is broken at HEAD):
 * search, take the top three results as the relevant pages (the reference asks an LLM to pick them; the
 * search ranking is used here), and give each relevant page the passages of its text that best match the
 * query. Online it uses the Wikipedia API; offline it searches dumps imported with
 * `inflow knowledge add-wikipedia`.
 */
export function createWikipediaTool(options: WikipediaToolOptions): Tool {
  const apiUrl = options.apiUrl ?? 'https://en.wikipedia.org/w/api.php';
  return defineTool({
    name: 'Wikipedia_RAG_Search_Tool',
    description: `Searches Wikipedia${options.online ? '' : ' (an offline copy)'} for the query and returns the relevant pages with passages that answer it.`,
    input: z.object({ query: z.string().min(1).describe('a question or the name of a person, place, thing or event') }),
    output:
      'A dict with query, "relevant_pages (to the query)" (title, url, abstract, retrieved_information) and "other_pages (may be irrelevant to the query)".',
    limitations: [
      'Only encyclopedic knowledge; recent events may be missing.',
      ...(options.online ? [] : ['Only the articles of the imported dump are available.']),
    ],
    bestPractices: ['Search for the specific entity the question is about.', 'Trust the relevant_pages; check other_pages only if needed.'],
    examples: [{ input: { query: 'Who designed the Analytical Engine?' }, description: 'a factual question' }],
    timeoutMs: 45_000,
    maxOutputChars: 8_000,
    async execute({ query }, context) {
      const pages = options.online ? await searchOnline(query, apiUrl, context.signal, options.fetch) : searchOffline(query, options.index);
      const relevant = pages.slice(0, 3);
      return {
        query,
        'relevant_pages (to the query)': relevant,
        'other_pages (may be irrelevant to the query)': pages.slice(3).map(({ title, url, abstract }) => ({ title, url, abstract })),
      };
    },
  });
}

function searchOffline(query: string, index: KnowledgeIndex | undefined): Page[] {
  if (index === undefined) return [];
  const hits = index.search(query, { limit: 20, sourceKind: 'wikipedia' });
  const byTitle = new Map<string, string[]>();
  for (const hit of hits) byTitle.set(hit.title, [...(byTitle.get(hit.title) ?? []), hit.text]);
  return [...byTitle].map(([title, passages]) => ({
    title,
    url: `https://en.wikipedia.org/wiki/${encodeURIComponent(title.replaceAll(' ', '_'))}`,
    abstract: `${passages[0]!.slice(0, 100)}... [truncated]`,
    retrieved_information: passages.slice(0, 3),
  }));
}

async function searchOnline(query: string, apiUrl: string, signal: AbortSignal, fetchImpl?: Fetch): Promise<Page[]> {
  if (fetchImpl === undefined) throw new InflowError('USAGE', "Wikipedia online needs the network module's fetch.");
  const get = async (params: Record<string, string>) => {
    const url = `${apiUrl}?${new URLSearchParams({ format: 'json', formatversion: '2', ...params })}`;
    return JSON.parse((await fetchText(url, { signal, fetch: fetchImpl })).text) as Record<string, unknown>;
  };
  const search = await get({ action: 'query', list: 'search', srsearch: query, srlimit: '8' });
  const results = (search.query as { search?: Array<{ title: string; snippet: string }> } | undefined)?.search ?? [];
  const pages: Page[] = results.map((result) => ({
    title: result.title,
    url: `https://en.wikipedia.org/wiki/${encodeURIComponent(result.title.replaceAll(' ', '_'))}`,
    abstract: `${result.snippet.replace(/<[^>]+>/g, '').slice(0, 100)}... [truncated]`,
  }));
  for (const page of pages.slice(0, 3)) {
    const extract = await get({ action: 'query', prop: 'extracts', explaintext: '1', titles: page.title });
    const text = (extract.query as { pages?: Array<{ extract?: string }> } | undefined)?.pages?.[0]?.extract ?? '';
    page.retrieved_information = rankChunks(query, wordChunks(text), 3);
  }
  return pages;
}
