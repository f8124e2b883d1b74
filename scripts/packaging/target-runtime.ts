/**
 * What each packaged target must carry to run models and train: node-llama-cpp's prebuilt packages (the CPU one
 * first, then its GPU variants), better-sqlite3's prebuilt binary and the trainer's prebuild folder. The one place
 * these names live; electron-builder.yml's patterns select them (`${os}-${arch}`), after-pack.ts checks a packed app
 * against them, and test/integration/packaging/ checks the config resolves exactly these.
 */
export type TargetOs = 'mac' | 'win' | 'linux';

export interface TargetRuntime {
  os: TargetOs;
  arch: string;
  /** process.platform on that target: darwin, win32, linux. */
  platform: NodeJS.Platform;
  /** @node-llama-cpp/* packages, the CPU (or Metal) one first. */
  llamaPackages: string[];
  /** better-sqlite3/prebuilds/<file>. */
  sqlitePrebuild: string;
  /** dist/native/prebuilds/<folder>/inflow-trainer.node. */
  trainerPrebuild: string;
}

const llamaPackages: Record<string, string[]> = {
  'mac-arm64': ['mac-arm64-metal'],
  'mac-x64': ['mac-x64'],
  'win-x64': ['win-x64', 'win-x64-cuda', 'win-x64-cuda-ext', 'win-x64-vulkan'],
  'linux-x64': ['linux-x64', 'linux-x64-cuda', 'linux-x64-cuda-ext', 'linux-x64-vulkan'],
};

/** The targets Inflow releases (one arch per build). */
export const releaseTargets = Object.keys(llamaPackages);

const platforms: Record<TargetOs, NodeJS.Platform> = { mac: 'darwin', win: 'win32', linux: 'linux' };

export function targetRuntime(os: TargetOs, arch: string): TargetRuntime {
  const packages = llamaPackages[`${os}-${arch}`];
  if (packages === undefined) throw new Error(`Inflow is not released for ${os}-${arch}; targets: ${releaseTargets.join(', ')}.`);
  const platform = platforms[os];
  return { os, arch, platform, llamaPackages: packages, sqlitePrebuild: `${platform}-${arch}.node`, trainerPrebuild: `${platform}-${arch}` };
}
