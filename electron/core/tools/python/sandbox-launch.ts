import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * How the Python sandbox's child process is started, as plain data (so it is tested against a packaged layout
 * without Electron). In a packaged app this module lives in `resources/app.asar/dist/electron/core/tools/python/`
 * and `require.resolve('pyodide')` answers a path inside app.asar; but the child runs under Electron's
 * `ELECTRON_RUN_AS_NODE` with Node's `--permission` model, which grants reads by real paths on disk. So both the
 * child's script and Pyodide are taken from `app.asar.unpacked/` (electron-builder.yml unpacks them), and the
 * permission flags name those real folders. From a checkout, paths are used as they are.
 */
export interface SandboxLaunch {
  script: string;
  pyodideDir: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

/** A path inside `…/app.asar/…` mapped to the same path under `…/app.asar.unpacked/…`; others unchanged. */
export function unpackedPath(file: string): string {
  const parts = file.split(/([\\/])/);
  const index = parts.indexOf('app.asar');
  if (index === -1) return file;
  parts[index] = 'app.asar.unpacked';
  return parts.join('');
}

/** Pyodide's folder as this module's resolver finds it (inside app.asar when packaged; see unpackedPath). */
export function resolvePyodideDir(from: string = import.meta.url): string {
  return path.dirname(createRequire(from).resolve('pyodide/package.json'));
}

export function sandboxLaunch(options: {
  moduleDir: string;
  extension: string;
  pyodideDir: string;
  memoryLimitBytes: number;
  snapshotMode: 'none' | 'load' | 'make';
  maxOutputChars?: number;
}): SandboxLaunch {
  const script = unpackedPath(path.join(options.moduleDir, `sandbox-process${options.extension}`));
  const pyodideDir = unpackedPath(options.pyodideDir);
  const memoryMb = Math.ceil(options.memoryLimitBytes / (1024 * 1024));
  return {
    script,
    pyodideDir,
    execArgv: [
      '--permission',
      `--allow-fs-read=${pyodideDir}`,
      `--allow-fs-read=${script}`,
      '--allow-worker', // only for the thread that kills the process when its parent dies (started before any user code)
      `--max-old-space-size=${Math.max(256, memoryMb)}`,
      `--wasm-max-mem-pages=${Math.ceil(options.memoryLimitBytes / 65536)}`, // every WebAssembly memory, Pyodide's and new ones
      '--no-warnings',
    ],
    // ELECTRON_RUN_AS_NODE: inside Electron, process.execPath is Electron; this makes it run the script as Node.
    env: {
      INFLOW_PYODIDE_DIR: pyodideDir,
      INFLOW_SANDBOX_MEMORY_BYTES: String(options.memoryLimitBytes),
      INFLOW_SANDBOX_SNAPSHOT: options.snapshotMode,
      INFLOW_SANDBOX_OUTPUT_CHARS: String(options.maxOutputChars ?? 3_500),
      ELECTRON_RUN_AS_NODE: '1',
    },
  };
}
