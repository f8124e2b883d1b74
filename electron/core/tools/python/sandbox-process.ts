/**
 * The Python sandbox's child process (started by python-sandbox.ts, never imported). It runs under Node's
 * permission model: it may read only the Pyodide package and this file, write nothing, start no process,
 * worker or native addon. Python runs in Pyodide (WebAssembly): its file system is in memory, so host files
 * do not exist for it. On top of that, this process removes every network and process door from the
 * JavaScript global scope before any user code runs, blocks network and process modules through module
 * hooks (every built-in module), and caps WebAssembly memory growth so a memory bomb ends in Python's MemoryError.
 * The parent uses each process for one run only, so nothing a run changes (builtins, modules, JavaScript
 * globals, timers) reaches the next; it also caps the whole process's memory from outside. A watchdog thread
 * kills this process as soon as its parent is gone, even while Python holds the main thread.
 * Protocol (IPC): with INFLOW_SANDBOX_SNAPSHOT=load the parent first sends {snapshot}; with =make the child sends
 * {snapshot} once loaded; then the child sends {ready} (or {fatal}), and answers each {id, code} with {id, result}.
 */
import { constants as fsConstants } from 'node:fs';
import module from 'node:module';
import path from 'node:path';

const memoryLimitBytes = Number(process.env.INFLOW_SANDBOX_MEMORY_BYTES ?? 512 * 1024 * 1024);
const maxOutputChars = Number(process.env.INFLOW_SANDBOX_OUTPUT_CHARS ?? 3_500);
const pyodideDir = process.env.INFLOW_PYODIDE_DIR ?? '';

/** After Pyodide has loaded, no built-in module may be imported at all (`node:process` alone would reopen every door). */
const builtins = new Set(module.builtinModules.flatMap((name) => [name, `node:${name}`]));

interface WasmMemory {
  buffer: ArrayBuffer;
  grow(delta: number): number;
}
const wasm = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly;

function installMemoryLimit(): void {
  const grow = wasm.Memory.prototype.grow;
  const limited = function (this: WasmMemory, delta: number): number {
    if (this.buffer.byteLength + delta * 65536 > memoryLimitBytes) throw new RangeError('Inflow sandbox memory limit reached');
    return grow.call(this, delta);
  };
  Object.defineProperty(wasm.Memory.prototype, 'grow', { value: limited, writable: false, configurable: false });
}

/**
 * A thread that kills this process when the parent is gone (the process is re-parented): the main thread may be
 * stuck in a Python loop that no event-loop handler would interrupt. Started before the lock-down.
 */
async function dieWithParent(): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  const watchdog = new Worker(
    `const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 100);`,
    { eval: true },
  );
  watchdog.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

/**
 * What a run printed, kept at the source within `maxOutputChars`: the head and the tail, cut in the middle the
 * way the parent cuts (so a 200 MB print never becomes a 200 MB message).
 */
class CappedOutput {
  private full = '';
  private bytes = 0;
  private cut = false;
  private head = '';
  private tail = '';
  private readonly half = Math.floor((maxOutputChars - 21) / 2); // ' ... [truncated] ... ' is 21 characters

  reset(): void {
    this.full = '';
    this.bytes = 0;
    this.cut = false;
    this.head = '';
    this.tail = '';
  }

  write(bytes: Uint8Array): void {
    const decode = (part: Uint8Array) => Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8');
    this.bytes += bytes.length;
    // Up to 4 bytes a character: below 4 x the limit everything is kept, above it the text is surely too long.
    if (!this.cut && this.bytes <= 4 * maxOutputChars) {
      this.full += decode(bytes);
      return;
    }
    const window = this.half * 4;
    if (!this.cut) {
      this.cut = true;
      const front = this.full + decode(bytes.subarray(0, window));
      this.head = front.slice(0, this.half);
      this.full = '';
      if (bytes.length <= window) {
        this.tail = front.slice(-this.half);
        return;
      }
    }
    this.tail = (this.tail + decode(bytes.subarray(Math.max(0, bytes.length - window)))).slice(-this.half);
  }

  text(): string {
    return this.cut ? `${this.head} ... [truncated] ... ${this.tail}` : this.full;
  }
}

function lockDownGlobals(): void {
  // Without module hooks (Node < 22.15) `import('node:process')` would reopen the network: refuse to run.
  if (typeof module.registerHooks !== 'function') throw new Error('The Python sandbox needs Node.js 22.15 or newer (module.registerHooks).');
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (builtins.has(specifier) || specifier.startsWith('node:')) throw new Error(`Module "${specifier}" is not available in the sandbox.`);
      return nextResolve(specifier, context);
    },
  });
  const globals = globalThis as Record<string, unknown>;
  for (const name of [
    'fetch',
    'WebSocket',
    'XMLHttpRequest',
    'EventSource',
    'Request',
    'Response',
    'Headers',
    'navigator',
    'require',
    'Worker',
    'SharedWorker',
    'BroadcastChannel',
    'MessageChannel',
  ]) {
    try {
      delete globals[name];
    } catch {
      /* not deletable */
    }
    if (name in globals) Object.defineProperty(globalThis, name, { value: undefined, configurable: false, writable: false });
  }
  // Keep what the IPC needs in closures, then hide `process` itself.
  const realProcess = process;
  const safeProcess = Object.freeze({
    env: Object.freeze({}),
    argv: [],
    platform: realProcess.platform,
    versions: realProcess.versions,
    release: realProcess.release,
    cwd: () => '/',
    nextTick: realProcess.nextTick.bind(realProcess),
    hrtime: realProcess.hrtime,
    memoryUsage: () => ({}),
  });
  Object.defineProperty(globalThis, 'process', { value: safeProcess, configurable: false, writable: false });
}

const harness = `
import os, sys, sysconfig, types, traceback
# Emscripten derives these from the host path of this script (also in snapshots made by older versions).
os.environ.pop('_', None)
sys.executable = sys._base_executable = ''
sys.orig_argv = ['python']
sysconfig._PROJECT_BASE = '/'
sysconfig._CONFIG_VARS = None
if hasattr(sysconfig, '_CONFIG_VARS_INITIALIZED'):
    sysconfig._CONFIG_VARS_INITIALIZED = False
sys.modules['js'] = None
sys.modules['pyodide_js'] = None
sys.setrecursionlimit(2000)

def _inflow_cut(text, limit):
    text = str(text)
    if len(text) <= limit:
        return text
    half = (limit - 21) // 2
    return text[:half] + ' ... [truncated] ... ' + text[-half:]

def _inflow_run(code):
    namespace = {'__name__': '__main__'}
    error = None
    try:
        exec(compile(code, '<code>', 'exec'), namespace)
    except BaseException as exc:
        lines = traceback.format_exception_only(type(exc), exc)
        where = ''
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == '<code>':
                where = f' (line {tb.tb_lineno})'
            tb = tb.tb_next
        error = _inflow_cut(''.join(lines).strip(), ${maxOutputChars} - len(where)) + where
    variables = {}
    for name, value in list(namespace.items()):
        if name.startswith('__') or isinstance(value, types.ModuleType):
            continue
        if len(variables) >= 20:
            break
        try:
            variables[name] = _inflow_cut(value, 2000)
        except BaseException as exc:
            variables[name] = f'<unprintable: {type(exc).__name__}>'
    return {'error': error, 'variables': variables}
`;

interface Request {
  id: number;
  code: string;
}

async function main(): Promise<void> {
  const realSend = process.send!.bind(process);
  const send = (message: unknown) => {
    realSend(message);
  };
  await dieWithParent();
  installMemoryLimit();
  // Pyodide's NODEFS reads fs constants through process.binding, which the permission model denies.
  Object.defineProperty(process, 'binding', {
    value: (name: string) => {
      if (name === 'constants') return { fs: fsConstants };
      throw new Error(`process.binding("${name}") is not available in the sandbox.`);
    },
  });
  const { loadPyodide } = (await import(path.join(pyodideDir, 'pyodide.mjs'))) as typeof import('pyodide');
  const output = new CappedOutput();
  // A memory snapshot of a freshly loaded Pyodide (made by an earlier sandbox process) loads in a fraction of
  // the time. `make`: load normally, snapshot before any other code runs, hand it to the parent.
  const mode = process.env.INFLOW_SANDBOX_SNAPSHOT ?? 'none';
  const snapshot =
    mode === 'load'
      ? await new Promise<Uint8Array>((resolve) => process.once('message', (message) => resolve((message as { snapshot: Uint8Array }).snapshot)))
      : undefined;
  const pyodide = await loadPyodide({
    indexURL: `${pyodideDir}${path.sep}`,
    stdout: () => {},
    stderr: () => {},
    env: { HOME: '/home/pyodide' },
    ...(snapshot ? { _loadSnapshot: snapshot } : {}),
    ...(mode === 'make' ? { _makeSnapshot: true } : {}),
  });
  if (mode === 'make') send({ snapshot: pyodide.makeMemorySnapshot() });
  pyodide.setStdout({
    write: (bytes: Uint8Array) => {
      output.write(bytes);
      return bytes.length;
    },
  });
  pyodide.setStderr({
    write: (bytes: Uint8Array) => {
      output.write(bytes);
      return bytes.length;
    },
  });
  pyodide.runPython(harness);
  const run = pyodide.globals.get('_inflow_run') as (code: string) => {
    toJs(options: { dict_converter: typeof Object.fromEntries }): unknown;
    destroy(): void;
  };
  const listen = process.on.bind(process);
  const realExit = process.exit.bind(process);
  lockDownGlobals();
  listen('message', (message: unknown) => {
    const request = message as Request;
    output.reset();
    let result: unknown;
    try {
      const proxy = run(request.code);
      const value = proxy.toJs({ dict_converter: Object.fromEntries }) as { error: string | null; variables: Record<string, string> };
      proxy.destroy();
      result = { output: output.text(), error: value.error ?? null, variables: value.variables };
    } catch (error) {
      // An exception through WebAssembly leaves Python unusable: answer, then end; the next run starts afresh.
      send({
        id: request.id,
        result: { output: output.text(), error: `The code was stopped by the sandbox: ${(error as Error).message}`, variables: {}, restart: true },
      });
      setImmediate(() => realExit(1));
      return;
    }
    send({ id: request.id, result });
  });
  send({ ready: true });
}

main().catch((error: unknown) => {
  process.send?.({ fatal: String((error as Error)?.stack ?? error) });
  process.exit(1);
});
