import { z } from 'zod';
import { parseHTML } from 'linkedom';
import { htmlToText, readableArticle } from '../../knowledge/html-text.ts';
import { defineTool } from '../define-tool.ts';
import type { Tool } from '../tool.ts';
import { fetchText, rankChunks, wordChunks } from './web-fetch.ts';
import type { Fetch } from '../../net/network.ts';

export interface WebToolOptions {
  /** Search endpoint returning DuckDuckGo-style HTML results; `{query}` is replaced. */
  searchUrl?: string;
  /** How requests leave the computer: the network module's fetcher('web') (policy and egress log). */
  fetch: Fetch;
}

const defaultSearchUrl = 'https://html.duckduckgo.com/html/?q={query}';

/** Web_Search_Tool: a web search returning titles, URLs and snippets. Only offered when web access is on. */
export function createWebSearchTool(options: WebToolOptions): Tool {
  return defineTool({
    name: 'Web_Search_Tool',
    description: 'Searches the web and returns the top results (title, URL, snippet).',
    input: z.object({ query: z.string().min(1).describe('the search query') }),
    output: 'A dict with query and results: a list of {title, url, snippet}.',
    limitations: ['Snippets are short; read a page with Web_RAG_Search_Tool for details.', 'Results may be outdated or wrong.'],
    bestPractices: ['Use short, specific queries.', 'Follow up on the most relevant URL.'],
    examples: [{ input: { query: 'capital of Australia' }, description: 'a factual search' }],
    timeoutMs: 20_000,
    async execute({ query }, context) {
      return { query, results: (await searchWeb(query, options, context.signal)).slice(0, 8) };
    },
  });
}

/** One web search (DuckDuckGo HTML, or `options.searchUrl`): the results in their order. */
export async function searchWeb(
  query: string,
  options: WebToolOptions,
  signal: AbortSignal,
): Promise<Array<{ title: string; url: string; snippet: string }>> {
  const url = (options.searchUrl ?? defaultSearchUrl).replace('{query}', encodeURIComponent(query));
  const { text } = await fetchText(url, { signal, fetch: options.fetch });
  return parseSearchResults(text);
}

/**
 * A page's readable text (at most 1,000,000 characters, as the reference) and title: for HTML, the main content as
 * Firefox's reader view finds it (knowledge/html-text.ts), else the text as served.
 */
export async function readPage(url: string, options: WebToolOptions, signal: AbortSignal): Promise<{ url: string; title: string; text: string }> {
  const page = await fetchText(url, { signal, fetch: options.fetch });
  const isHtml = /html/i.test(page.contentType) || /<html|<body/i.test(page.text.slice(0, 2000));
  const { title, text } = isHtml ? readableArticle(page.text) : { title: '', text: page.text };
  return { url: page.finalUrl, title, text: text.slice(0, 1_000_000) };
}

/**
 * Results of a DuckDuckGo HTML page, read from its DOM: each `a.result__a` link (DuckDuckGo's redirect unwrapped) with
 * the `.result__snippet` that follows it before the next result.
 */
export function parseSearchResults(html: string): Array<{ title: string; url: string; snippet: string }> {
  const results: Array<{ title: string; url: string; snippet: string }> = [];
  // links and snippets in document order: a snippet belongs to the link before it
  for (const element of parseHTML(html).document.querySelectorAll('a.result__a, .result__snippet')) {
    if (element.classList.contains('result__a')) {
      let url = element.getAttribute('href') ?? '';
      const redirect = /[?&]uddg=([^&]+)/.exec(url);
      if (redirect) url = decodeURIComponent(redirect[1]!);
      results.push({ title: htmlToText(element.innerHTML), url, snippet: '' });
    } else if (results.length > 0 && results.at(-1)!.snippet === '') {
      results.at(-1)!.snippet = htmlToText(element.innerHTML);
    }
  }
  return results;
}

/**
 * Web_RAG_Search_Tool: reads one page and returns the passages most relevant to the query (200-word chunks,
 * as the reference), plus a summary from the run's model when one is available.
 */
export function createWebPageTool(options: WebToolOptions): Tool {
  return defineTool({
    name: 'Web_RAG_Search_Tool',
    description: 'Reads a web page and returns the passages relevant to the query.',
    input: z.object({
      query: z.string().min(1).describe('what to look for on the page'),
      url: z.string().min(1).describe('a full http(s) URL, e.g. from a Web_Search_Tool result'),
    }),
    output: 'A dict with url, title, relevant_passages and (when a model is available) summary.',
    limitations: ['Needs a real URL from a previous step; it cannot guess URLs.', 'Pages that need JavaScript may be empty.'],
    bestPractices: ['Use a URL returned by Web_Search_Tool.', 'Ask a specific query.'],
    examples: [{ input: { query: 'population', url: 'https://en.wikipedia.org/wiki/Canberra' }, description: 'reads a page' }],
    timeoutMs: 60_000,
    async execute({ query, url }, context) {
      const page = await readPage(url, options, context.signal);
      const { title, text } = page;
      const passages = rankChunks(query, wordChunks(text), 5);
      let summary: string | undefined;
      if (context.model && passages.length > 0) {
        const generation = await context.model.generate({
          messages: [
            {
              role: 'user',
              content: `Answer the query using only these passages from ${page.url}. If they do not contain the answer, say so.\n\nQuery: ${query}\n\nPassages:\n${passages.map((p, i) => `[${i + 1}] ${p}`).join('\n\n')}`,
            },
          ],
          sampling: { temperature: 0, maxTokens: 400 },
          signal: context.signal,
        });
        summary = generation.text.trim();
      }
      return {
        url: page.url,
        title,
        relevant_passages: passages,
        ...(summary === undefined ? {} : { summary }),
        ...(passages.length === 0 ? { note: 'Nothing on the page matched the query.' } : {}),
      };
    },
  });
}
