import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the native trainer addon is loaded from, found the way node-gyp-build finds a module's binary:
 *  1. `INFLOW_NATIVE_BUILD_DIR`, when set (tests, packaging experiments): that folder and nothing else;
 *  2. a local developer build, `native/build/` (written by `npm run build:native`), when it succeeded;
 *  3. the prebuilt binary for this platform and architecture, `native/prebuilds/<platform>-<arch>/`
 *     (prebuildify's layout; written by `npm run build:native -- --prebuild`, shipped by releases and installers).
 * Each folder holds `inflow-trainer.node` and the `build-info.json` describing it. The packaged app carries only
 * the prebuilt folder (`dist/native/prebuilds/...`, unpacked from asar) and never compiles anything.
 */
export const NATIVE_BUILD_DIR_ENV = 'INFLOW_NATIVE_BUILD_DIR';
export const addonFileName = 'inflow-trainer.node';
export const buildInfoFileName = 'build-info.json';

export interface AddonLocation {
  /** The folder holding inflow-trainer.node and build-info.json. */
  dir: string;
  kind: 'env' | 'local-build' | 'prebuilt';
}

/** The prebuildify folder name of a platform and architecture: linux-x64, darwin-arm64, win32-x64. */
export function prebuildName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}

/** The folders tried, in order; `nativeRoot` is the repository's `native/` (or `dist/native/` when packaged). */
export function addonCandidates(
  nativeRoot: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): AddonLocation[] {
  const explicit = env[NATIVE_BUILD_DIR_ENV];
  if (explicit !== undefined && explicit !== '') return [{ dir: path.resolve(explicit), kind: 'env' }];
  return [
    { dir: path.join(nativeRoot, 'build'), kind: 'local-build' },
    { dir: path.join(nativeRoot, 'prebuilds', prebuildName(platform, arch)), kind: 'prebuilt' },
  ];
}

function succeeded(dir: string): boolean {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dir, buildInfoFileName), 'utf8')) as { ok?: boolean };
    return info.ok === true && fs.existsSync(path.join(dir, addonFileName));
  } catch {
    return false;
  }
}

/**
 * The first candidate with a successful build; else the first with any build-info.json (so a failed local build
 * reports its reason); else the last candidate (the prebuilt folder, whose absence is then reported).
 */
export function locateNativeAddon(
  nativeRoot: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): AddonLocation {
  const candidates = addonCandidates(nativeRoot, env, platform, arch);
  return (
    candidates.find((c) => succeeded(c.dir)) ??
    candidates.find((c) => fs.existsSync(path.join(c.dir, buildInfoFileName))) ??
    candidates[candidates.length - 1]!
  );
}
