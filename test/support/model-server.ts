import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';

export interface ModelServer {
  url(name: string): string;
  /** Range headers of the requests received, in order ('' for a full request). */
  ranges: string[];
  /** Make the next full or ranged response stop after this many body bytes (a dropped connection). */
  cutNextAfter(bytes: number): void;
  /** Make the next response send this many body bytes and then stall (a slow server), until the client gives up. */
  stallNextAfter(bytes: number): void;
}

/**
 * A local HTTP server on 127.0.0.1 that serves files like a model hub: Content-Length, ETag, byte ranges
 * (206), and on request a connection dropped mid-body. Closed when the test file finishes.
 */
export async function startModelServer(files: Record<string, string>): Promise<ModelServer> {
  const ranges: string[] = [];
  let cutAfter: number | undefined;
  let stallAfter: number | undefined;
  const server = http.createServer((request, response) => {
    const name = decodeURIComponent((request.url ?? '').slice(1));
    const file = files[name];
    if (file === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    const size = fs.statSync(file).size;
    const etag = `"${size}-${fs.statSync(file).mtimeMs}"`;
    const range = request.headers.range ?? '';
    ranges.push(range);
    let start = 0;
    const match = /^bytes=(\d+)-$/.exec(range);
    const ifRange = request.headers['if-range'];
    if (match !== null && (ifRange === undefined || ifRange === etag)) {
      start = Number(match[1]);
      if (start >= size) {
        response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      response.writeHead(206, {
        'Content-Length': size - start,
        'Content-Range': `bytes ${start}-${size - 1}/${size}`,
        ETag: etag,
        'Accept-Ranges': 'bytes',
      });
    } else {
      response.writeHead(200, { 'Content-Length': size, ETag: etag, 'Accept-Ranges': 'bytes' });
    }
    const limit = cutAfter;
    cutAfter = undefined;
    const body = fs.readFileSync(file).subarray(start);
    if (stallAfter !== undefined) {
      response.write(body.subarray(0, stallAfter));
      stallAfter = undefined;
      return;
    }
    if (limit === undefined) {
      response.end(body);
      return;
    }
    response.write(body.subarray(0, limit), () => setTimeout(() => response.socket?.destroy(), 20));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    ranges,
    cutNextAfter: (bytes) => {
      cutAfter = bytes;
    },
    stallNextAfter: (bytes) => {
      stallAfter = bytes;
    },
  };
}
