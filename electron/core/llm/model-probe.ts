import { fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import type { GgufFileInfo } from '../gguf/gguf-reader.ts';

/** Where the models that loaded once are remembered: INFLOW_CACHE_DIR, else the platform's cache folder. */
export function probeRecordFile(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.INFLOW_CACHE_DIR !== undefined && env.INFLOW_CACHE_DIR !== ''
      ? env.INFLOW_CACHE_DIR
      : process.platform === 'win32'
        ? path.join(env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'Inflow')
        : process.platform === 'darwin'
          ? path.join(os.homedir(), 'Library', 'Caches', 'Inflow')
          : path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'inflow');
  return path.join(base, 'loaded-models.json');
}

/** How long the throwaway load may take before it is taken for a hang. */
const PROBE_TIMEOUT_MS = 10 * 60_000;

// model-probe-child.ts from source, .js when built (scripts/build-electron.ts lists it as an entry).
const childScript = path.join(import.meta.dirname, `model-probe-child${path.extname(import.meta.filename)}`);

/**
 * A model's identity for the record: its header (every hyper-parameter and the tensor table) and its size, so a
 * copy or a move of a model that loaded once is still known, and any edit to the header is not.
 */
export function modelIdentity(header: GgufFileInfo): string {
  const fd = fs.openSync(header.path, 'r');
  try {
    const bytes = Buffer.alloc(Math.min(header.dataOffset, 256 * 1024 * 1024));
    fs.readSync(fd, bytes, 0, bytes.length, 0);
    return crypto.createHash('sha256').update(bytes).update(String(header.fileSize)).digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

function readRecord(file: string): string[] {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

export function loadedBefore(identity: string, recordFile = probeRecordFile()): boolean {
  return readRecord(recordFile).includes(identity);
}

/** Remembers that a model loaded; a record that cannot be written only costs a later probe. */
export function rememberLoaded(identity: string, recordFile = probeRecordFile()): void {
  try {
    const known = readRecord(recordFile);
    if (known.includes(identity)) return;
    fs.mkdirSync(path.dirname(recordFile), { recursive: true });
    const temporary = `${recordFile}.tmp-${process.pid}`;
    fs.writeFileSync(temporary, `${JSON.stringify([...known, identity].slice(-1000))}\n`);
    fs.renameSync(temporary, recordFile);
  } catch {
    // read-only cache folder: the next load probes again
  }
}

/**
 * Loads `file` in a throwaway child process first. A model llama.cpp aborts on (GGML_ASSERT, a bad pointer)
 * kills only that child: the caller gets MODEL_INVALID (exit 4) with llama.cpp's last words, never a crash of
 * the app. A clean load error in the child is passed on as MODEL_LOAD_FAILED.
 */
export function probeModelLoad(file: string, signal?: AbortSignal): Promise<void> {
  const child = fork(childScript, [file], {
    execPath: process.execPath,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise<void>((resolve, reject) => {
    let reply: { ok?: boolean; error?: string } | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, PROBE_TIMEOUT_MS);
    const onAbort = () => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (message) => {
      reply = message as typeof reply;
    });
    child.on('error', (error) =>
      reject(new InflowError('MODEL_LOAD_FAILED', `Could not start a process to try ${file}: ${error.message}`, { cause: error })),
    );
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted === true) {
        reject(new InflowError('CANCELLED', `Loading ${file} was cancelled.`));
        return;
      }
      if (reply?.ok === true) {
        resolve();
        return;
      }
      if (reply?.error !== undefined) {
        reject(
          new InflowError('MODEL_LOAD_FAILED', `llama.cpp could not load ${file}: ${reply.error}`, {
            hint: 'The file may be corrupt or use an architecture this llama.cpp build does not support.',
          }),
        );
        return;
      }
      const lastWords = stderr
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .slice(-3)
        .join(' / ');
      if (exitSignal === 'SIGKILL') {
        reject(
          new InflowError(
            'MODEL_LOAD_FAILED',
            `Trying ${file} in a separate process was stopped (killed${lastWords === '' ? '' : `: ${lastWords}`}).`,
            {
              hint: 'It may have run out of memory or taken over ten minutes; choose a smaller model.',
            },
          ),
        );
        return;
      }
      reject(
        new InflowError(
          'MODEL_INVALID',
          `llama.cpp crashed loading ${file} (${exitSignal ?? `exit ${code}`})${lastWords === '' ? '' : `: ${lastWords}`}.`,
          {
            hint: 'The model file is broken (it was tried in a separate process, so nothing else was affected): get or convert it again.',
          },
        ),
      );
    });
  });
}

/**
 * Makes sure a model is safe to load in this process: a model that loaded before on this machine (the record)
 * is, any other is loaded first in a throwaway process (probeModelLoad) and remembered when that succeeds.
 */
export async function ensureModelLoadsSafely(header: GgufFileInfo, signal?: AbortSignal): Promise<void> {
  const identity = modelIdentity(header);
  if (loadedBefore(identity)) return;
  await probeModelLoad(header.path, signal);
  rememberLoaded(identity);
}
