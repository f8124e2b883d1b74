import { InflowError } from '../../errors.ts';
import type { Fetch } from '../../net/network.ts';

export interface WebFetchOptions {
  signal: AbortSignal;
  timeoutMs?: number;
  maxBytes?: number;
  /** The network module's fetcher for the feature (nothing here opens a connection by itself). */
  fetch: Fetch;
}

/**
 * GETs an http(s) URL as text with a timeout and a size cap (the body is cut, not refused). Only used by the
 * web tools, which exist only when the user turned web access on.
 */
export async function fetchText(url: string, options: WebFetchOptions): Promise<{ text: string; contentType: string; finalUrl: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InflowError('WEB_URL_INVALID', `"${url}" is not a valid URL.`, {
      hint: 'Use a full http:// or https:// address from a search result.',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InflowError('WEB_URL_INVALID', `Only http and https URLs can be read, not ${parsed.protocol}`);
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]);
  const response = await options.fetch(parsed, {
    signal,
    redirect: 'follow',
    headers: { 'user-agent': 'Inflow/0.1 (on-device agent)', accept: 'text/html,application/json,text/plain;q=0.9,*/*;q=0.5' },
  });
  if (!response.ok) throw new InflowError('WEB_FETCH_FAILED', `${parsed.href} answered ${response.status} ${response.statusText}.`);
  const maxBytes = options.maxBytes ?? 2_000_000;
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= maxBytes) {
      await reader.cancel();
      break;
    }
  }
  return {
    text: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'),
    contentType: response.headers.get('content-type') ?? '',
    finalUrl: response.url || parsed.href,
  };
}

/** Splits text into chunks of `words` words overlapping by `overlap` (the reference's 200/20). */
export function wordChunks(text: string, words = 200, overlap = 20): string[] {
  const tokens = text.split(/\s+/).filter(Boolean);
  const chunks: string[] = [];
  for (let start = 0; start < tokens.length; start += words - overlap) {
    chunks.push(tokens.slice(start, start + words).join(' '));
    if (start + words >= tokens.length) break;
  }
  return chunks;
}

/** The `count` chunks sharing the most (rarer-weighted) words with the query, in page order. */
export function rankChunks(query: string, chunks: readonly string[], count: number): string[] {
  const terms = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [])];
  const lower = chunks.map((chunk) => chunk.toLowerCase());
  const weight = new Map(terms.map((term) => [term, Math.log(1 + chunks.length / (1 + lower.filter((c) => c.includes(term)).length))]));
  const scored = lower.map((chunk, index) => ({
    index,
    score: terms.reduce((sum, term) => sum + (chunk.includes(term) ? weight.get(term)! : 0), 0),
  }));
  return scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, count)
    .sort((a, b) => a.index - b.index)
    .map((s) => chunks[s.index]!);
}
