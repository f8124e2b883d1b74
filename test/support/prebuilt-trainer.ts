import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../electron/core/paths.ts';

/**
 * Builds the trainer addon into the prebuilt layout, native/prebuilds/<platform>-<arch>/ (as the release workflow
 * does), and returns that folder. Unchanged sources are not rebuilt, so only the first caller pays (~40 s here).
 */
export function ensurePrebuiltTrainer(): string {
  const env = { ...process.env };
  delete env.INFLOW_NATIVE_BUILD_DIR;
  execFileSync(process.execPath, [path.join(repoRoot, 'native', 'build.ts'), '--prebuild', '--strict'], { cwd: repoRoot, stdio: 'pipe', env });
  return path.join(repoRoot, 'native', 'prebuilds', `${process.platform}-${process.arch}`);
}
