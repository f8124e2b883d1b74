import { InflowError } from '../errors.ts';
import type { Settings } from '../contract/settings.ts';
import type { EgressLog } from './egress-log.ts';
import { featureAllowed, featureRules, isLoopbackHost, type NetworkFeature } from './network-policy.ts';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface NetworkOptions {
  /** The user's privacy settings, read at every request so a switch takes effect at once. */
  privacy: () => Settings['privacy'];
  log: EgressLog;
  /** Features allowed for this process only (a CLI flag such as --web). */
  grants?: readonly NetworkFeature[];
  /** The transport underneath (default: the global fetch); tests and benchmarks only. */
  transport?: Fetch;
}

const maxRedirects = 5;

/**
 * The one way out of this computer. Every outbound request of the product — model downloads, the web tools,
 * Wikipedia online, MCP over HTTP, an OpenAI-compatible endpoint — goes through `fetch(feature, …)`, which
 * checks the policy (network-policy.ts) before any connection is opened, follows redirects itself so each hop
 * is checked and logged, and writes one egress row per request (time, feature, host, bytes each way).
 */
export class Network {
  private readonly options: NetworkOptions;
  private readonly grants: Set<NetworkFeature>;

  constructor(options: NetworkOptions) {
    this.options = options;
    this.grants = new Set(options.grants ?? []);
  }

  /** Allows a feature for the rest of this process (an explicit command-line choice). */
  grant(feature: NetworkFeature): void {
    this.grants.add(feature);
  }

  allows(feature: NetworkFeature, url?: string | URL): boolean {
    if (url !== undefined && isLoopbackHost(new URL(url).hostname)) return true;
    return featureAllowed(feature, this.options.privacy(), this.grants);
  }

  /** A fetch bound to one feature, for code that takes a fetch function (tools, the MCP SDK). */
  fetcher(feature: NetworkFeature): Fetch {
    return (input, init) => this.fetch(feature, input, init);
  }

  async fetch(feature: NetworkFeature, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    let url = new URL(input instanceof Request ? input.url : input);
    let request = input instanceof Request ? input : undefined;
    const follow = (init.redirect ?? request?.redirect ?? 'follow') === 'follow';
    for (let hop = 0; ; hop++) {
      const response = await this.once(feature, url, request ?? url, { ...init, redirect: 'manual' });
      const location = response.headers.get('location');
      if (!follow || location === null || response.status < 300 || response.status > 399) return response;
      await response.body?.cancel();
      if (hop >= maxRedirects) throw new InflowError('NETWORK_TOO_MANY_REDIRECTS', `${url.host} redirected more than ${maxRedirects} times.`);
      url = new URL(location, url);
      request = undefined;
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && (init.method ?? 'GET').toUpperCase() === 'POST')) {
        init = { ...init, method: 'GET', body: null };
      }
    }
  }

  private async once(feature: NetworkFeature, url: URL, input: URL | Request, init: RequestInit): Promise<Response> {
    const base = {
      at: Date.now(),
      feature,
      host: url.host,
      method: (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
      bytesOut: bodyBytes(init.body),
    };
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InflowError('NETWORK_URL_INVALID', `Only http and https URLs can be used, not ${url.protocol}`);
    }
    if (!this.allows(feature, url)) {
      const rule = featureRules[feature];
      this.options.log.start({ ...base, outcome: 'refused', detail: 'not allowed by the privacy settings' });
      throw new InflowError('NETWORK_NOT_ALLOWED', `${rule.label} may not connect to ${url.host}: the network is off for this feature.`, {
        hint: `To allow it, ${rule.how}.`,
      });
    }
    const id = this.options.log.start({ ...base, outcome: 'failed' });
    let response: Response;
    try {
      response = await (this.options.transport ?? fetch)(input, init);
    } catch (error) {
      this.options.log.finish(id, { detail: (error as Error).message.slice(0, 300) });
      throw error;
    }
    this.options.log.finish(id, { outcome: 'ok', status: response.status });
    if (response.body === null) return response;
    let received = 0;
    const log = this.options.log;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          controller.enqueue(chunk);
        },
        flush() {
          log.finish(id, { bytesIn: received });
        },
      }),
    );
    const reader = counted.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read().catch((error: unknown) => {
          log.finish(id, { bytesIn: received, outcome: 'failed', detail: String(error).slice(0, 300) });
          throw error;
        });
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        log.finish(id, { bytesIn: received });
        await reader.cancel(reason);
      },
    });
    const wrapped = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(wrapped, 'url', { value: url.href });
    return wrapped;
  }
}

function bodyBytes(body: RequestInit['body']): number {
  if (body === undefined || body === null) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof URLSearchParams) return Buffer.byteLength(body.toString());
  if (body instanceof Blob) return body.size;
  return 0;
}

/**
 * For code given no network module (library defaults, tests): only this computer can be reached; any other
 * host is refused before a connection opens.
 */
export const localOnlyFetch: Fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : input);
  if (!isLoopbackHost(url.hostname)) {
    throw new InflowError('NETWORK_NOT_ALLOWED', `No network module was given, so ${url.host} may not be reached.`, {
      hint: "Pass the back end's network (backend.network.fetcher(feature)).",
    });
  }
  return fetch(input, init);
};
