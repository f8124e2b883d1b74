import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../electron/core/paths.ts';

/** The packed app's executable that `npm run dist` left for this machine, or why there is none to start. */
export function findPackagedApp(env: NodeJS.ProcessEnv = process.env): { executable: string } | { reason: string } {
  const explicit = env.INFLOW_ELECTRON_APP;
  const release = path.join(repoRoot, 'release');
  const candidates =
    explicit !== undefined && explicit !== ''
      ? [explicit]
      : process.platform === 'darwin'
        ? ['mac-arm64', 'mac', 'mac-universal'].map((dir) => path.join(release, dir, 'Inflow.app', 'Contents', 'MacOS', 'Inflow'))
        : process.platform === 'win32'
          ? [path.join(release, 'win-unpacked', 'Inflow.exe')]
          : [path.join(release, 'linux-unpacked', 'inflow')];
  const executable = candidates.find((file) => fs.existsSync(file));
  if (executable === undefined)
    return { reason: `no packed app at ${candidates.join(' or ')}: run "npm run dist" (it downloads Electron) or set INFLOW_ELECTRON_APP` };
  // the packaging test's stand-in (test/support/packaging.ts) is a tiny script, never a real Electron
  if (fs.statSync(executable).size < 1024 * 1024)
    return { reason: `${executable} is not a real Electron binary (a stand-in from the packaging test?)` };
  if (process.platform === 'linux' && (env.DISPLAY ?? '') === '' && (env.WAYLAND_DISPLAY ?? '') === '')
    return { reason: 'no display: run it under xvfb-run (npm run test:electron does on CI)' };
  return { executable };
}
