import { utilityProcess } from 'electron';
import type { TrainerProcess } from '../core/api/training-control.ts';

/**
 * Runs the native trainer in an Electron utility process (its own OS process: a crash or a long update
 * never freezes the window). The entry is the training module's worker, bundled next to main.
 */
export function launchTrainingInUtilityProcess(options: { entry: string }): TrainerProcess {
  const child = utilityProcess.fork(options.entry, [], { serviceName: 'Inflow trainer', stdio: 'inherit' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => { child.on('message', listener); },
    onExit: (listener) => { child.on('exit', (code) => listener(code)); },
    kill: () => { child.kill(); },
  };
}
