import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatch } from '../../../electron/core/api/dispatch.ts';
import type { EventHub } from '../../../electron/core/api/event-hub.ts';

export interface BridgeServer {
  url: string;
  /** Every method called, in order (tests assert on what the UI asked for). */
  calls: string[];
  close(): Promise<void>;
}

/**
 * The e2e stand-in for Electron's IPC: `POST /call/<domain.method>` with the JSON input runs the same
 * validated dispatch the main process uses and answers the Result; `GET /events` streams back-end events as
 * server-sent events. Listens on 127.0.0.1 only.
 */
export async function startBridgeServer(options: { dispatch: Dispatch; events: EventHub }): Promise<BridgeServer> {
  const calls: string[] = [];
  const streams = new Set<http.ServerResponse>();
  const unsubscribe = options.events.subscribe((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname.endsWith('/events')) {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      response.write(': connected\n\n');
      streams.add(response);
      request.on('close', () => streams.delete(response));
      return;
    }
    const match = /\/call\/([\w.]+)$/.exec(url.pathname);
    if (request.method !== 'POST' || match === null) {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const methodName = match[1]!;
      calls.push(methodName);
      let input: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        input = text === '' ? undefined : (JSON.parse(text) as { input?: unknown }).input;
      } catch {
        response.writeHead(400).end();
        return;
      }
      void options.dispatch(methodName, input).then((result) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(result));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    async close() {
      unsubscribe();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
