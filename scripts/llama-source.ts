import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * The llama.cpp source that matches node-llama-cpp's prebuilt binaries ships inside its npm package as a git
 * bundle. This clones it once into `.cache/llama.cpp` (offline) and returns the checkout's path. It holds ggml's
 * headers (for the native trainer), vocab-only GGUFs under models/ and chat templates under models/templates/.
 */
export function ensureLlamaSource(): string {
  const target = path.join(repoRoot, '.cache', 'llama.cpp');
  if (fs.existsSync(path.join(target, 'ggml', 'include', 'ggml.h'))) return target;
  const bundle = path.join(repoRoot, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run "npm install" first.`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Clone beside the target and rename into place: the target is either absent or complete, so two processes
  // doing the first checkout at once both end up with a whole tree.
  const temporary = `${target}.tmp-${process.pid}-${Date.now()}`;
  execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, temporary], { stdio: 'inherit' });
  try {
    if (fs.existsSync(path.join(target, 'ggml', 'include', 'ggml.h'))) {
      fs.rmSync(temporary, { recursive: true, force: true }); // another process finished first
      return target;
    }
    fs.rmSync(target, { recursive: true, force: true }); // an incomplete leftover, if any
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { recursive: true, force: true });
    if (!fs.existsSync(path.join(target, 'ggml', 'include', 'ggml.h'))) throw error;
  }
  return target;
}

if (import.meta.main) console.log(ensureLlamaSource());
