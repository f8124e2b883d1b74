import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error with the HTTP status and OpenAI-style body it turns into. */
export class HttpError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly param: string | null;
  readonly extra: Record<string, unknown>;

  constructor(status: number, code: string, message: string, options: { type?: string; param?: string; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.type = options.type ?? (status === 401 ? 'authentication_error' : status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.extra = options.extra ?? {};
  }

  body(): { error: Record<string, unknown> } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.extra } };
  }
}

/** Reads a JSON body of at most `limit` bytes; too large → 413, not JSON → 400. */
export async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, 'request_too_large', `The request body is ${declared} bytes; the limit is ${limit}.`);
  }
  // Plain listeners rather than `for await`: an async iterator costs a few hops per request.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new HttpError(413, 'request_too_large', `The request body is over the limit of ${limit} bytes.`));
        return;
      }
      parts.push(chunk);
    });
    request.once('end', () => resolve(parts));
    request.once('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'invalid_json', 'The request has no body; send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `The request body is not valid JSON: ${(error as Error).message}.`);
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/** A server-sent-event stream as OpenAI clients read it: `data: <json>` lines, then `data: [DONE]`. */
export class EventStream {
  private readonly response: ServerResponse;

  constructor(response: ServerResponse, headers: Record<string, string> = {}) {
    this.response = response;
    // The headers leave with the first event (no separate packet).
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
  }

  private write(text: string): void {
    this.response.write(text);
  }

  get open(): boolean {
    return !this.response.destroyed && !this.response.writableEnded;
  }

  send(data: unknown): void {
    if (this.open) this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (!this.open) return;
    this.write('data: [DONE]\n\n');
    this.response.end();
  }
}

/** Aborted when the client goes away before the answer is complete (or aborts `controller`, when given). */
export function clientGone(request: IncomingMessage, response: ServerResponse, controller = new AbortController()): AbortSignal {
  const onClose = () => {
    if (!response.writableFinished) controller.abort();
  };
  response.on('close', onClose);
  request.on('aborted', () => controller.abort());
  return controller.signal;
}
