import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sendToChild } from '../../child-message.ts';
import { InflowError, type SerializedError } from '../../errors.ts';
import type { PolicyTrainer, TrainerCommand, TrainerInit, TrainerReply, TrainStepRequest, TrainStepResult } from './trainer-protocol.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The entry module to run as the trainer process (also what Electron's `utilityProcess.fork` should run). */
export const trainerWorkerPath = path.join(import.meta.dirname, 'trainer-worker.ts');

/** A duplex message channel to a trainer process: a Node child process, or an Electron utility process. */
export interface TrainerChannel {
  postMessage(message: TrainerCommand): void;
  onMessage(listener: (message: TrainerReply) => void): void;
  /** Called once when the process ends, with its exit code (or null when killed by a signal). */
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export interface TrainerProcessOptions {
  init: TrainerInit;
  /** How to start the process; default: fork `trainerWorkerPath` with this Node (`process.execPath`). */
  channel?: () => TrainerChannel;
  onProgress?: (phase: string, detail?: Record<string, unknown>) => void;
  signal?: AbortSignal;
}

/**
 * Starts the native trainer in its own process and returns it behind the PolicyTrainer promise API, so a long
 * update never blocks the caller's event loop (the UI, the CLI's progress bar). Dies with its parent.
 */
export async function startTrainerProcess(options: TrainerProcessOptions): Promise<PolicyTrainer> {
  const channel = (options.channel ?? forkChannel)();
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; type: string }>();
  let nextId = 1;
  let exited: Error | null = null;

  channel.onMessage((message) => {
    if ('type' in message) {
      options.onProgress?.(message.phase, message.detail);
      return;
    }
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(toError(message.error));
  });
  channel.onExit((code) => {
    exited = new InflowError('TRAINER_EXITED', `The trainer process ended unexpectedly (exit ${code ?? 'by signal'}).`, {
      hint: 'It may have run out of memory; try a smaller LoRA rank, fewer rollouts per step, or shorter outputs.',
    });
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });
  const onAbort = () => channel.kill();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const call = <T>(command: DistributiveOmit<TrainerCommand, 'id'>): Promise<T> => {
    if (exited !== null) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject, type: command.type });
      channel.postMessage({ ...command, id } as TrainerCommand);
    });
  };

  try {
    await call({ type: 'init', init: options.init });
  } catch (error) {
    channel.kill();
    throw error;
  }
  return {
    step: (request: TrainStepRequest) => call<TrainStepResult>({ type: 'step', request }),
    saveAdapter: async (file: string) => {
      await call({ type: 'saveAdapter', path: file });
    },
    saveState: async (file: string) => {
      await call({ type: 'saveState', path: file });
    },
    loadState: async (file: string) => {
      await call({ type: 'loadState', path: file });
    },
    async close() {
      options.signal?.removeEventListener('abort', onAbort);
      if (exited !== null) return;
      await call({ type: 'close' }).catch(() => undefined);
      channel.kill();
    },
  };
}

/** Forks the worker with the running Node (the project's Node 24 under npm scripts). */
export function forkChannel(): TrainerChannel {
  const child: ChildProcess = fork(trainerWorkerPath, [], {
    execPath: process.execPath,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exitListeners: Array<(code: number | null) => void> = [];
  let ended = false;
  const end = (code: number | null) => {
    if (ended) return;
    ended = true;
    for (const listener of exitListeners) listener(code);
  };
  child.once('exit', (code) => end(code));
  // a process that could not start gets no 'exit': it ends here (a failed send is handled by sendToChild)
  child.on('error', () => {
    if (child.pid === undefined) end(null);
  });
  return {
    postMessage: (message) => sendToChild(child, message),
    onMessage: (listener) => {
      child.on('message', (message) => listener(message as TrainerReply));
    },
    onExit: (listener) => {
      exitListeners.push(listener);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function toError(error: SerializedError): Error {
  return new InflowError(error.code, error.message, error.hint === undefined ? {} : { hint: error.hint });
}
