import fs from 'node:fs';
import { InflowError } from '../errors.ts';
import { currentProcess, isProcessAlive, type ProcessIdentity } from './process-identity.ts';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => {
  Atomics.wait(sleeper, 0, 0, ms);
};

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, holding the owner's pid and start
 * stamp), so read-modify-write of a small file by several processes loses nothing. A lock left by a process
 * that died is taken over; a lock held longer than `timeoutMs` by a live process is an error (FILE_LOCKED).
 */
export function withFileLock<T>(lockFile: string, fn: () => T, timeoutMs = 10_000): T {
  const deadline = Date.now() + timeoutMs;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, JSON.stringify(currentProcess()));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (staleLock(lockFile)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new InflowError('FILE_LOCKED', `${lockFile} is held by another Inflow process.`, {
          hint: 'Wait for the other command to finish, then try again.',
        });
      }
      sleep(5 + Math.random() * 20);
    }
  }
  try {
    return fn();
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lockFile, { force: true });
  }
}

function staleLock(lockFile: string): boolean {
  try {
    const text = fs.readFileSync(lockFile, 'utf8');
    if (text === '') return Date.now() - fs.statSync(lockFile).mtimeMs > 2_000; // written between open and write
    return !isProcessAlive(JSON.parse(text) as ProcessIdentity);
  } catch {
    return false; // gone already, or being written: try again
  }
}
