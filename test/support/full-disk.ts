import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../electron/core/paths.ts';
import type { CliRun } from './run-cli.ts';
import { tempDir } from './temp-dir.ts';

/**
 * Whether this machine lets an unprivileged test mount a private file system (Linux user and mount namespaces
 * with `unshare`), which the full-disk and read-only-folder tests need. Root in a container usually can.
 */
export function canMountPrivately(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], {
    stdio: 'ignore',
  });
  return probe.status === 0;
}

export type DiskState = 'full' | 'read-only';

/**
 * Runs `inflow` commands, one after another, on a copy of `dataDir` that lives on a disk in the given state:
 * `full`, a small private tmpfs filled to the last byte (writes fail with ENOSPC, as on a real full disk), or
 * `read-only`, the copy mounted read-only. Everything runs inside a private mount namespace (unshare), so
 * nothing is mounted on the machine. Returns each command's result; the copy is discarded.
 */
export function runOnDisk(state: DiskState, dataDir: string, commands: string[][]): CliRun[] {
  const work = tempDir('inflow-disk-');
  const mount = path.join(work, 'mnt');
  fs.mkdirSync(mount);
  const results = path.join(work, 'results.json');
  const runner = path.join(work, 'runner.ts');
  fs.writeFileSync(
    runner,
    `import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
const out = [];
for (const args of ${JSON.stringify(commands)}) {
  const run = spawnSync(${JSON.stringify(path.join(repoRoot, 'node_modules', '.bin', 'node'))}, [${JSON.stringify(path.join(repoRoot, 'electron', 'cli', 'index.ts'))}, ...args, '--data-dir', ${JSON.stringify(mount)}], { encoding: 'utf8', timeout: 120_000 });
  out.push({ code: run.status, stdout: run.stdout, stderr: run.stderr });
}
fs.writeFileSync(${JSON.stringify(results)}, JSON.stringify(out));\n`,
  );
  const size = Math.ceil(folderBytes(dataDir) / 4096) * 4096 + 1024 * 1024;
  const prepare =
    state === 'full'
      ? `mount -t tmpfs -o size=${size} tmpfs "$MNT" && cp -a "$SRC/." "$MNT/" && (dd if=/dev/zero of="$MNT/.filler" bs=4096 2>/dev/null; dd if=/dev/zero of="$MNT/.filler2" bs=1 2>/dev/null; true)`
      : `cp -a "$SRC/." "$MNT/" && mount --bind "$MNT" "$MNT" && mount -o remount,bind,ro "$MNT"`;
  const shell = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `${prepare} && "$NODE" "$RUNNER"`], {
    env: { ...process.env, MNT: mount, SRC: dataDir, NODE: path.join(repoRoot, 'node_modules', '.bin', 'node'), RUNNER: runner },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (!fs.existsSync(results)) throw new Error(`The ${state} disk could not be set up: ${shell.stderr}`);
  return JSON.parse(fs.readFileSync(results, 'utf8')) as CliRun[];
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : fs.statSync(full).size;
  }
  return total;
}
