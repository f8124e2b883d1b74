import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../electron/core/paths.ts';
import { tempDir } from './temp-dir.ts';

export interface RaceResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `body` (the text of an async TypeScript function body with `args` and `modules` in scope) in
 * `args.length` separate Node processes that all start it at the same instant: `modules` (name -> path under
 * the repository) are imported first, then every process waits for a common start barrier, so process start-up
 * does not spread them out. Resolves with each process's exit code and output.
 */
export async function raceProcesses(modules: Record<string, string>, body: string, args: string[][]): Promise<RaceResult[]> {
  const dir = tempDir('inflow-race-');
  const script = path.join(dir, 'racer.ts');
  fs.writeFileSync(
    script,
    `const args = JSON.parse(process.argv[2]!) as string[];
const startAt = Number(process.argv[3]);
const modules: Record<string, any> = {};
for (const [name, file] of Object.entries(${JSON.stringify(modules)})) modules[name] = await import(${JSON.stringify(repoRoot + '/')} + file);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now() - 30)));
while (Date.now() < startAt) { /* the last few ms spun, for a precise start */ }
await (async () => { ${body} })();\n`,
  );
  // The barrier is far enough ahead that every process has loaded its imports when it falls.
  const startAt = Date.now() + 1_500 + 300 * args.length;
  const node = path.join(repoRoot, 'node_modules', '.bin', 'node');
  return Promise.all(
    args.map(
      (arg) =>
        new Promise<RaceResult>((resolve, reject) => {
          const child = spawn(node, [script, JSON.stringify(arg), String(startAt)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
          });
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
          });
          child.on('error', reject);
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        }),
    ),
  );
}
