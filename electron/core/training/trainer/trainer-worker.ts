import { serializeError } from '../../errors.ts';
import type { PolicyTrainer, TrainerCommand, TrainerReply } from './trainer-protocol.ts';
import { createInProcessTrainer } from './in-process-trainer.ts';

/**
 * Entry module of the trainer's own process. The CLI forks it with Node (`child_process.fork`); the Electron
 * main runs it as a utility process (`utilityProcess.fork`), where messages come through `process.parentPort`.
 * It owns the native trainer and answers one command at a time; it exits when its parent goes away, so a
 * killed CLI never leaves a trainer running.
 */
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
const send = (message: TrainerReply): void => {
  if (parentPort !== undefined) parentPort.postMessage(message);
  else process.send?.(message);
};

let trainer: PolicyTrainer | undefined;
let queue: Promise<void> = Promise.resolve();

async function handle(command: TrainerCommand): Promise<unknown> {
  if (command.type === 'init') {
    send({ type: 'progress', phase: 'loading', detail: { modelPath: command.init.modelPath, pid: process.pid } });
    trainer = await createInProcessTrainer(command.init, { onProgress: (phase, detail) => send({ type: 'progress', phase, detail }) });
    return { ready: true };
  }
  if (command.type === 'close') {
    await trainer?.close();
    trainer = undefined;
    setImmediate(() => process.exit(0));
    return { closed: true };
  }
  if (trainer === undefined) throw new Error('The trainer process got a command before init.');
  switch (command.type) {
    case 'step': {
      send({ type: 'progress', phase: 'update', detail: { samples: command.request.samples.length } });
      return trainer.step(command.request);
    }
    case 'saveAdapter':
      return trainer.saveAdapter(command.path);
    case 'saveState':
      return trainer.saveState(command.path);
    case 'loadState':
      return trainer.loadState(command.path);
  }
}

function onCommand(command: TrainerCommand): void {
  queue = queue.then(async () => {
    try {
      send({ id: command.id, ok: true, result: (await handle(command)) ?? null });
    } catch (error) {
      send({ id: command.id, ok: false, error: serializeError(error) });
    }
  });
}

if (parentPort !== undefined) parentPort.on('message', (event) => onCommand(event.data as TrainerCommand));
else {
  process.on('message', (message) => onCommand(message as TrainerCommand));
  // The parent is gone (killed, crashed): stop at once. process.exit would wait for a running native step to
  // finish; files are written atomically, so dying mid-step loses nothing the parent has not already discarded.
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
