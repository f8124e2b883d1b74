import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** A process as a run's owner: its id and its start time, so a later process that reuses the id is not taken for it. */
export interface ProcessIdentity {
  pid: number;
  /** An opaque start stamp (Linux: clock ticks since boot; macOS and other Unixes: ms since the epoch); null where unknown. */
  startedAt: number | null;
}

/** The start stamp of a running process, or undefined when there is no such process; null where it cannot be read. */
function startStamp(pid: number): number | null | undefined {
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 22 (starttime); the command name (field 2) may contain spaces, so count after its closing ")".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[19]);
    } catch {
      return undefined;
    }
  }
  if (process.platform === 'win32') return alive(pid) ? null : undefined;
  try {
    const text = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const time = Date.parse(text);
    return Number.isFinite(time) ? time : null;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let self: ProcessIdentity | undefined;

/** This process. */
export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, startedAt: startStamp(process.pid) ?? null };
  return self;
}

/** Whether the process that owned something is still running (same id and same start stamp). */
export function isProcessAlive(owner: ProcessIdentity): boolean {
  if (owner.pid === process.pid) return owner.startedAt === currentProcess().startedAt;
  const stamp = startStamp(owner.pid);
  if (stamp === undefined) return false;
  if (stamp === null || owner.startedAt === null) return alive(owner.pid);
  return stamp === owner.startedAt;
}
