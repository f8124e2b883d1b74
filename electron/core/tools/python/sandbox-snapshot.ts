import fs from 'node:fs';
import path from 'node:path';
import { resolvePyodideDir } from './sandbox-launch.ts';

/**
 * The memory snapshot of a freshly loaded Pyodide that sandbox processes start from (python-sandbox.ts): kept in
 * memory, and in `file` between sessions when one is given (suffixed with the Pyodide version and the memory limit,
 * which it only fits); `false`: none at all. A snapshot that failed to load is dropped, on disk too.
 */
export class SandboxSnapshot {
  /** Set when a snapshot failed to load; the sandbox retries its start once without it and clears this. */
  dropped = false;
  private bytes: Uint8Array | undefined;
  private readonly file: string | false | undefined;
  private readonly memoryLimitBytes: number;

  constructor(file: string | false | undefined, memoryLimitBytes: number) {
    this.file = file;
    this.memoryLimitBytes = memoryLimitBytes;
  }

  /** Whether a snapshot is held in memory. */
  get held(): boolean {
    return this.bytes !== undefined;
  }

  /** The snapshot to start from: the one in memory, else the one saved for this Pyodide; undefined: none yet. */
  load(pyodideDir: string): Uint8Array | undefined {
    if (this.bytes !== undefined || this.file === false) return this.bytes;
    const file = this.path(pyodideDir);
    if (file === undefined || !fs.existsSync(file)) return undefined;
    try {
      this.bytes = new Uint8Array(fs.readFileSync(file));
    } catch {
      this.bytes = undefined;
    }
    return this.bytes;
  }

  /** Keeps a snapshot a fresh process made, in memory and on disk. */
  keep(snapshot: Uint8Array, pyodideDir: string): void {
    this.bytes = snapshot;
    const file = this.path(pyodideDir);
    if (file === undefined) return;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.tmp`, snapshot);
      fs.renameSync(`${file}.tmp`, file);
    } catch {
      // A snapshot that cannot be saved only costs the next session its fast start.
    }
  }

  /** A snapshot that failed to load is not used again. */
  drop(): void {
    this.bytes = undefined;
    this.dropped = true;
    if (typeof this.file === 'string') {
      const pyodideDir = resolvePyodideDir();
      fs.rmSync(this.path(pyodideDir)!, { force: true });
    }
  }

  private path(pyodideDir: string): string | undefined {
    if (typeof this.file !== 'string') return undefined;
    const version = (JSON.parse(fs.readFileSync(path.join(pyodideDir, 'package.json'), 'utf8')) as { version: string }).version;
    // The snapshot only fits the Pyodide version and memory limit that made it.
    return `${this.file}.${version}.${this.memoryLimitBytes}`;
  }
}
