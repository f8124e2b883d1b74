import { utilityProcess } from 'electron';
import type { TrainerChannel } from '../core/training/trainer/trainer-process.ts';
import type { TrainerReply } from '../core/training/trainer/trainer-protocol.ts';

/**
 * Runs the native trainer in an Electron utility process (its own OS process: a crash or a long update
 * never freezes the window). `entry` is the training module's worker (electron/core/training/trainer/trainer-worker.ts),
 * bundled next to main by scripts/build-electron.ts.
 */
export function utilityTrainerLauncher(entry: string): () => TrainerChannel {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Inflow trainer', stdio: 'inherit' });
    let alive = true;
    child.once('exit', () => {
      alive = false;
    });
    return {
      postMessage: (message) => child.postMessage(message),
      onMessage: (listener) => {
        child.on('message', (message: unknown) => listener(message as TrainerReply));
      },
      onExit: (listener) => {
        child.once('exit', (code: number) => listener(code));
      },
      kill: () => {
        if (alive) child.kill();
      },
    };
  };
}
