import { execFile } from 'node:child_process';
import fs from 'node:fs';

/**
 * Resident memory of another process in bytes, or undefined where it cannot be read: /proc on Linux, `ps` on
 * macOS and other Unixes; Windows is not covered (the sandbox's V8 heap and WebAssembly caps still hold there).
 */
export async function residentBytes(pid: number): Promise<number | undefined> {
  if (process.platform === 'linux') {
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(await fs.promises.readFile(`/proc/${pid}/status`, 'utf8'));
      return match === null ? undefined : Number(match[1]) * 1024;
    } catch {
      return undefined;
    }
  }
  if (process.platform === 'win32') return undefined;
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (error, stdout) => {
      const kb = Number(stdout.trim());
      resolve(error !== null || !Number.isFinite(kb) || kb === 0 ? undefined : kb * 1024);
    });
  });
}

/**
 * Calls `onExceeded` once when the process's resident memory passes `limitBytes`, polling every `everyMs`;
 * returns a function that stops watching.
 */
export function watchMemory(pid: number, limitBytes: number, onExceeded: (bytes: number) => void, everyMs = 50): () => void {
  let stopped = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    void residentBytes(pid).then((bytes) => {
      busy = false;
      if (stopped || bytes === undefined || bytes <= limitBytes) return;
      stopped = true;
      clearInterval(timer);
      onExceeded(bytes);
    });
  }, everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
