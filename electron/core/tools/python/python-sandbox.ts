import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sendToChild } from '../../child-message.ts';
import { InflowError } from '../../errors.ts';
import { watchMemory } from './process-memory.ts';
import { resolvePyodideDir, sandboxLaunch } from './sandbox-launch.ts';
import { SandboxSnapshot } from './sandbox-snapshot.ts';

/** What a Python run returns, shaped like the reference's python tool. */
export interface PythonRunResult {
  /** stdout and stderr, middle-truncated to `maxOutputChars`. */
  printedOutput: string;
  /** Up to 20 top-level variables (modules and dunders excluded), each `str()` cut to 2,000 characters. */
  variables: Record<string, string>;
  /** "ExceptionType: message (line n)" when the code raised, else null. */
  error: string | null;
  durationMs: number;
}

export interface PythonSandboxOptions {
  /** Hard wall-clock limit of one run; the sandbox process is killed when it passes. Default 10 s. */
  timeoutMs?: number;
  /** WebAssembly memory Python may use. Default 512 MiB. */
  memoryLimitBytes?: number;
  /**
   * Resident memory of the whole sandbox process (Python's memory, the V8 heap, array buffers, any other
   * WebAssembly memory) past which a run is stopped with MemoryError. Default: memoryLimitBytes + 512 MiB.
   */
  processMemoryLimitBytes?: number;
  /** Time allowed for loading Pyodide. Default 60 s. */
  startTimeoutMs?: number;
  maxOutputChars?: number;
  /**
   * Where to keep a memory snapshot of a freshly loaded Pyodide between sessions (e.g. in the data directory);
   * later starts load it in a fraction of the time. Without it the snapshot is kept in memory only (restarts
   * after a timeout still benefit). Use `false` for no snapshot at all.
   */
  snapshotFile?: string | false;
}

interface Pending {
  id: number;
  resolve: (value: PythonRunResult) => void;
  reject: (error: unknown) => void;
  started: number;
}

// sandbox-process.ts when run from source, sandbox-process.js when built (scripts/build-electron.ts must list it as an
// entry); sandbox-launch.ts maps both it and Pyodide out of app.asar when packaged.
const moduleExtension = path.extname(import.meta.filename);

/**
 * Python in Pyodide in a separate, locked-down Node process (see sandbox-process.ts): no host file system,
 * no network, no subprocesses. One run at a time, and one run per process: every run starts from a clean
 * interpreter (a process loaded from the snapshot of a fresh Pyodide), so nothing a run patches, imports,
 * allocates or schedules reaches a later run. The next process is started in the background as soon as a run
 * ends, so a run rarely waits for it. A run that passes the wall-clock or memory limit, or a cancelled one,
 * kills the process. Call `dispose()` when done.
 */
export class PythonSandbox {
  private readonly options: Required<Omit<PythonSandboxOptions, 'snapshotFile'>> & Pick<PythonSandboxOptions, 'snapshotFile'>;
  private readonly snapshot: SandboxSnapshot;
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private disposed = false;

  constructor(options: PythonSandboxOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 10_000,
      memoryLimitBytes: options.memoryLimitBytes ?? 512 * 1024 * 1024,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      maxOutputChars: options.maxOutputChars ?? 3_500,
      processMemoryLimitBytes: options.processMemoryLimitBytes ?? (options.memoryLimitBytes ?? 512 * 1024 * 1024) + 512 * 1024 * 1024,
      snapshotFile: options.snapshotFile,
    };
    this.snapshot = new SandboxSnapshot(options.snapshotFile, this.options.memoryLimitBytes);
  }

  /** Whether a sandbox process is running (warm). */
  get warm(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  /** Starts the sandbox process now (otherwise the first run does). */
  async start(signal?: AbortSignal): Promise<void> {
    this.disposed = false;
    await this.startChild(signal);
  }

  run(code: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<PythonRunResult> {
    const next = this.queue.then(() => this.runNow(code, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.disposed = true;
    this.kill();
  }

  private async runNow(code: string, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<PythonRunResult> {
    options.signal?.throwIfAborted();
    this.disposed = false;
    // The next process may be starting in the background (without this run's signal): waiting for it is
    // cancellable too, and a cancellation that came meanwhile stops the run before it is sent.
    const child = await abortable(this.startChild(options.signal), options.signal, () => this.kill());
    options.signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    return new Promise<PythonRunResult>((resolve, reject) => {
      const id = this.nextId++;
      const started = performance.now();
      const finish = () => {
        clearTimeout(timer);
        stopWatching();
        options.signal?.removeEventListener('abort', onAbort);
        this.pending = undefined;
      };
      const timer = setTimeout(() => {
        finish();
        this.restart();
        resolve({
          printedOutput: '',
          variables: {},
          error: `Execution timed out after ${Math.round(timeoutMs / 100) / 10} seconds (the sandbox was stopped).`,
          durationMs: performance.now() - started,
        });
      }, timeoutMs);
      const stopWatching = watchMemory(child.pid ?? 0, this.options.processMemoryLimitBytes, (bytes) => {
        finish();
        this.restart();
        resolve({
          printedOutput: '',
          variables: {},
          durationMs: performance.now() - started,
          error: `MemoryError: the code used more than ${Math.round(this.options.processMemoryLimitBytes / 2 ** 20)} MiB (${Math.round(bytes / 2 ** 20)} MiB); the sandbox was stopped.`,
        });
      });
      const onAbort = () => {
        finish();
        this.kill();
        reject(options.signal!.reason);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        id,
        started,
        resolve: (value) => {
          finish();
          resolve(value);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      };
      sendToChild(child, { id, code });
    });
  }

  /** Starts (or reuses) the process; a snapshot that fails to load is dropped and the start retried once without it. */
  private async startChild(signal?: AbortSignal): Promise<ChildProcess> {
    const usedSnapshot = this.snapshot.held || typeof this.options.snapshotFile === 'string';
    try {
      return await this.ensureChild(signal);
    } catch (error) {
      if (!usedSnapshot || !this.snapshot.dropped || signal?.aborted) throw error;
      this.snapshot.dropped = false;
      return this.ensureChild(signal);
    }
  }

  private ensureChild(signal?: AbortSignal): Promise<ChildProcess> {
    if (this.ready && this.warm) return this.ready;
    const pyodideDir = resolvePyodideDir();
    const snapshot = this.snapshot.load(pyodideDir);
    const snapshotMode = this.options.snapshotFile === false ? 'none' : snapshot ? 'load' : 'make';
    const child = forkSandboxProcess({
      pyodideDir,
      memoryLimitBytes: this.options.memoryLimitBytes,
      maxOutputChars: this.options.maxOutputChars,
      snapshotMode,
    });
    this.child = child;
    if (snapshotMode === 'load') sendToChild(child, { snapshot });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let started = false;
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new InflowError('SANDBOX_START_FAILED', 'The Python sandbox did not start in time.'));
      }, this.options.startTimeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.kill();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on(
        'message',
        (message: {
          snapshot?: Uint8Array;
          ready?: boolean;
          fatal?: string;
          id?: number;
          result?: { output: string; error: string | null; variables: Record<string, string>; restart?: boolean };
        }) => {
          if (message.snapshot) {
            this.snapshot.keep(message.snapshot, pyodideDir);
            return;
          }
          if (message.ready) {
            started = true;
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(child);
            return;
          }
          if (message.fatal !== undefined) {
            clearTimeout(timer);
            this.kill();
            if (snapshotMode === 'load') this.snapshot.drop();
            reject(
              new InflowError('SANDBOX_START_FAILED', `The Python sandbox failed to start: ${message.fatal.split('\n').slice(0, 6).join(' / ')}`),
            );
            return;
          }
          const pending = this.pending;
          if (pending && message.id === pending.id && message.result) {
            this.restart(); // one run per process: the next run gets a clean interpreter
            pending.resolve({
              printedOutput: cutMiddle(message.result.output, this.options.maxOutputChars),
              variables: message.result.variables,
              error: message.result.error,
              durationMs: performance.now() - pending.started,
            });
          }
        },
      );
      child.on('exit', (code, exitSignal) => {
        clearTimeout(timer);
        if (!started && snapshotMode === 'load' && exitSignal !== 'SIGKILL') this.snapshot.drop();
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        const reason = exitSignal === 'SIGKILL' ? 'was stopped' : `exited (${exitSignal ?? code})`;
        const error = new InflowError(
          'SANDBOX_CRASHED',
          `The Python sandbox ${reason}.${stderr.includes('heap out of memory') ? ' It ran out of memory.' : ''}`,
        );
        reject(error);
        const pending = this.pending;
        if (pending && code !== 1)
          pending.resolve({
            printedOutput: '',
            variables: {},
            error: `${error.message} ${/memory/i.test(stderr) ? 'MemoryError: the code used too much memory.' : ''}`.trim(),
            durationMs: performance.now() - pending.started,
          });
      });
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /** Kills the process and starts a fresh one in the background, so the next run does not wait for Pyodide. */
  private restart(): void {
    this.kill();
    if (!this.disposed) this.ensureChild().catch(() => undefined);
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child && child.exitCode === null) child.kill('SIGKILL');
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (after calling `onAbort`). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/**
 * Starts one sandbox process (sandbox-process.ts) with its locked-down flags; the PythonSandbox drives it over
 * IPC. Exported for tests that watch what a run leaves running in its process after answering.
 */
export function forkSandboxProcess(options: {
  memoryLimitBytes: number;
  maxOutputChars: number;
  snapshotMode: 'none' | 'load' | 'make';
  pyodideDir?: string;
}): ChildProcess {
  const launch = sandboxLaunch({
    moduleDir: import.meta.dirname,
    extension: moduleExtension,
    pyodideDir: options.pyodideDir ?? resolvePyodideDir(),
    memoryLimitBytes: options.memoryLimitBytes,
    snapshotMode: options.snapshotMode,
    maxOutputChars: options.maxOutputChars,
  });
  return fork(launch.script, [], {
    execArgv: launch.execArgv,
    env: launch.env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
}

function cutMiddle(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const half = Math.floor((limit - 21) / 2); // ' ... [truncated] ... ' is 21 characters
  return `${text.slice(0, half)} ... [truncated] ... ${text.slice(-half)}`;
}
