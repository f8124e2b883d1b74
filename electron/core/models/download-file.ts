import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { localOnlyFetch, type Fetch } from '../net/network.ts';
import { formatBytes, freeDiskBytes } from './hardware-fit.ts';

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | undefined;
  /** Bytes already on disk from an earlier, interrupted download. */
  resumedFromBytes: number;
  bytesPerSecond: number;
}

export interface DownloadFileOptions {
  url: string;
  destination: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Free bytes on the destination's disk (default: measured). */
  freeBytes?: () => number;
  /** Disk space to leave free after the download. */
  reserveBytes?: number;
  /** Give up (resumably) when no data arrives for this long. Default 60 s. */
  idleTimeoutMs?: number;
  /** How the request leaves: the network module's fetcher('model-downloads'); default: this computer only. */
  fetch?: Fetch;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  resumed: boolean;
}

interface PartialState {
  url: string;
  etag?: string;
  totalBytes?: number;
}

/**
 * Downloads a URL to a file, resuming an interrupted download from its `.part` file with an HTTP range
 * request (when the server allows it and the file has not changed). Checks free disk space before writing.
 * The destination appears only when the download is complete; a failure keeps the `.part` for the next try.
 */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadResult> {
  const { url, destination, signal: userSignal, onProgress } = options;
  const idle = new AbortController();
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  let idleTimer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
  };
  const signal = userSignal === undefined ? idle.signal : AbortSignal.any([userSignal, idle.signal]);
  touch();
  try {
    return await download({
      ...options,
      signal,
      onProgress,
      touch,
      url,
      destination,
      stalled: () => idle.signal.aborted && userSignal?.aborted !== true,
    });
  } finally {
    clearTimeout(idleTimer);
  }
}

interface DownloadContext extends DownloadFileOptions {
  signal: AbortSignal;
  touch: () => void;
  stalled: () => boolean;
}

async function download(options: DownloadContext): Promise<DownloadResult> {
  const { url, destination, signal } = options;
  const partial = `${destination}.part`;
  const statePath = `${partial}.json`;
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  const state = readState(statePath);
  let existing = state?.url === url && fs.existsSync(partial) ? fs.statSync(partial).size : 0;

  const headers: Record<string, string> = {};
  if (existing > 0) {
    headers.Range = `bytes=${existing}-`;
    if (state?.etag !== undefined) headers['If-Range'] = state.etag;
  }
  let response: Response;
  try {
    response = await (options.fetch ?? localOnlyFetch)(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    if (options.stalled()) throw stalled(url, error);
    if (signal.aborted) throw cancelled(url, error);
    if (InflowError.isInstance(error)) throw error;
    const reason = ((error as Error).cause as { code?: string } | undefined)?.code;
    throw new InflowError(
      'DOWNLOAD_FAILED',
      `Could not reach ${new URL(url).host}: ${(error as Error).message}${reason === undefined ? '' : ` (${reason})`}`,
      { cause: error, hint: 'Check the network connection and try again; the download resumes where it stopped.' },
    );
  }
  if (response.status === 416 && state?.totalBytes === existing) {
    await response.body?.cancel();
  } else {
    if (response.status === 404) throw new InflowError('DOWNLOAD_NOT_FOUND', `${url} does not exist (HTTP 404).`);
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new InflowError('DOWNLOAD_FAILED', `Downloading ${url} failed: HTTP ${response.status}.`, { hint: 'Try again later.' });
    }
    if (response.status === 200) existing = 0;
    const length = Number(response.headers.get('content-length') ?? NaN);
    const totalBytes = Number.isFinite(length) ? existing + length : undefined;
    const etag = response.headers.get('etag') ?? undefined;
    const needed = (totalBytes ?? 0) - existing + (options.reserveBytes ?? 100e6);
    const free = (options.freeBytes ?? (() => freeDiskBytes(path.dirname(destination))))();
    if (totalBytes !== undefined && needed > free) {
      await response.body?.cancel();
      throw new InflowError(
        'INSUFFICIENT_DISK',
        `Not enough disk space: the download needs ${formatBytes(needed)} more but ${path.dirname(destination)} has ${formatBytes(free)} free.`,
        {
          hint: 'Free some disk space, or choose a smaller model.',
        },
      );
    }
    fs.writeFileSync(
      statePath,
      JSON.stringify({ url, ...(etag === undefined ? {} : { etag }), ...(totalBytes === undefined ? {} : { totalBytes }) }),
    );
    await writeBody(response, partial, existing, totalBytes, options);
  }
  const bytes = fs.statSync(partial).size;
  const expected = readState(statePath)?.totalBytes;
  if (expected !== undefined && bytes !== expected) {
    throw new InflowError('DOWNLOAD_INCOMPLETE', `The download of ${url} stopped at ${formatBytes(bytes)} of ${formatBytes(expected)}.`, {
      hint: 'Run the same command again to resume.',
    });
  }
  fs.renameSync(partial, destination);
  fs.rmSync(statePath, { force: true });
  return { path: destination, bytes, resumed: headers.Range !== undefined && response.status !== 200 };
}

async function writeBody(
  response: Response,
  partial: string,
  existing: number,
  totalBytes: number | undefined,
  options: DownloadContext,
): Promise<void> {
  if (response.body === null) return;
  const fd = fs.openSync(partial, existing > 0 ? 'a' : 'w');
  const started = performance.now();
  let received = existing;
  let lastReport = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      try {
        fs.writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
          throw new InflowError('DISK_FULL', `The disk filled up after ${formatBytes(received)} of the download.`, {
            cause: error,
            hint: 'Free some disk space and run the same command again: it resumes where it stopped.',
          });
        }
        throw error;
      }
      received += chunk.length;
      options.touch();
      const now = performance.now();
      if (now - lastReport > 100 || received === totalBytes) {
        lastReport = now;
        options.onProgress?.({
          receivedBytes: received,
          totalBytes,
          resumedFromBytes: existing,
          bytesPerSecond: (received - existing) / Math.max((now - started) / 1000, 1e-3),
        });
      }
    }
  } catch (error) {
    if (options.stalled()) throw stalled(options.url, error);
    if (options.signal.aborted) throw cancelled(options.url, error);
    if (InflowError.isInstance(error)) throw error;
    throw new InflowError(
      'DOWNLOAD_INTERRUPTED',
      `The download of ${options.url} was interrupted at ${formatBytes(received)}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Run the same command again to resume.',
      },
    );
  } finally {
    fs.closeSync(fd);
  }
}

function stalled(url: string, cause: unknown): InflowError {
  return new InflowError('DOWNLOAD_STALLED', `The download of ${url} stopped receiving data.`, {
    cause,
    hint: 'Run the same command again to resume.',
  });
}

function cancelled(url: string, cause: unknown): InflowError {
  return new InflowError('CANCELLED', `The download of ${url} was cancelled; run it again to resume.`, { cause });
}

function readState(file: string): PartialState | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PartialState;
  } catch {
    return undefined;
  }
}

/** SHA-256 of a file, hex (streamed; models are gigabytes). */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024, ...(signal === undefined ? {} : { signal }) }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}
