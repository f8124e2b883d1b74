import { descendantPids, killProcesses } from './process-tree.ts';

const livePids = new Set<number>();
let hookInstalled = false;

function killAllOnExit(): void {
  const pids = [...livePids];
  const tree = pids.flatMap((pid) => [pid, ...descendantPids(pid)]);
  killProcesses(tree, 'SIGKILL');
  livePids.clear();
}

/**
 * Remembers a server process this app started, so that it (and anything it started) is killed when the app's
 * process exits, even when nobody called `closeAll()` first: no server outlives Inflow. Signals that end the
 * process without an `exit` event (SIGKILL) cannot be caught; a well-behaved stdio server then exits when its
 * stdin closes.
 */
export function trackServerProcess(pid: number): void {
  livePids.add(pid);
  if (!hookInstalled) {
    hookInstalled = true;
    process.on('exit', killAllOnExit);
  }
}

/** Forgets a process that was closed normally. */
export function untrackServerProcess(pid: number): void {
  livePids.delete(pid);
}

/** The pids being tracked now (for diagnostics and tests). */
export function trackedServerProcesses(): number[] {
  return [...livePids];
}
