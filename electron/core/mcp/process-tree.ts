import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

interface ProcessEntry {
  pid: number;
  parent: number;
  zombie: boolean;
}

function linuxProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      entries.push({ pid: Number(name), parent: Number(fields[1]), zombie: fields[0] === 'Z' || fields[0] === 'X' });
    } catch {
      // The process ended while the table was read.
    }
  }
  return entries;
}

function psProcesses(): ProcessEntry[] {
  const output = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat='], { encoding: 'utf8', timeout: 5000 });
  return output.split('\n').flatMap((line) => {
    const [pid, parent, state] = line.trim().split(/\s+/);
    return pid === undefined || parent === undefined ? [] : [{ pid: Number(pid), parent: Number(parent), zombie: (state ?? '').startsWith('Z') }];
  });
}

function processTable(): ProcessEntry[] {
  if (process.platform === 'win32') return [];
  try {
    return process.platform === 'linux' ? linuxProcesses() : psProcesses();
  } catch {
    return [];
  }
}

/**
 * Every live process below `pid` (children, grandchildren ...). A server started through a wrapper (`npx`,
 * `uvx`, a shell script) runs as a grandchild, and killing only the wrapper would leave it behind.
 * Synchronous so it can run in a process `exit` hook. Empty on Windows, where `taskkill /T` does this.
 */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of processTable()) {
    if (entry.zombie) continue;
    const list = children.get(entry.parent) ?? [];
    list.push(entry.pid);
    children.set(entry.parent, list);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (found.includes(child)) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Whether a process exists and is not a zombie waiting to be reaped. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Sends `signal` to each pid that still runs (Windows: `taskkill /T /F`, which takes the whole tree). */
export function killProcesses(pids: readonly number[], signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of pids) {
    if (process.platform === 'win32') {
      try {
        execFileSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', timeout: 5000 });
      } catch {
        // Already gone.
      }
      continue;
    }
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
