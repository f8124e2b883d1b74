import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../scripts/llama-source.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `inflow` as a user would (Node 24 on electron/cli/index.ts) and collects its output. `onStdout` sees
 * output as it streams and may signal the process; `input` is written to its stdin; past `timeoutMs` it is killed.
 */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void; timeoutMs?: number } = {},
): Promise<CliRun> {
  const node = path.join(repoRoot, 'node_modules', '.bin', 'node');
  const child = spawn(node, [path.join(repoRoot, 'electron', 'cli', 'index.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // A hang ends as code null, with "(killed after N ms)" on stderr, instead of hanging the test.
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          stderr += `(killed after ${options.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
