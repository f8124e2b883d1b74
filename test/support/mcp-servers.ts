import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after } from 'node:test';

const packages = path.resolve(import.meta.dirname, '../../node_modules/@modelcontextprotocol');

/** The reference filesystem server (a dev dependency), as a stdio entry restricted to `allowedDir`. */
export function filesystemServerEntry(allowedDir: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [path.join(packages, 'server-filesystem/dist/index.js'), allowedDir] };
}

/** The "everything" test server (a dev dependency), as a stdio entry. */
export function everythingServerEntry(): { command: string; args: string[] } {
  return { command: process.execPath, args: [path.join(packages, 'server-everything/dist/index.js'), 'stdio'] };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts the "everything" server's streamable HTTP transport on a free port and returns its MCP endpoint
 * (`http://127.0.0.1:<port>/mcp`), on `port` if given. The process is killed when the test file ends.
 */
export async function startEverythingHttpServer(options: { port?: number } = {}): Promise<{ url: string; pid: number; port: number; stop(): void }> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [path.join(packages, 'server-everything/dist/index.js'), 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  after(stop);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the everything HTTP server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the everything HTTP server exited (${code}):\n${output}`)));
  });
  return { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid!, port, stop };
}
