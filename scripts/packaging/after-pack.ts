/**
 * electron-builder `afterPack` hook (electron-builder.yml): fails the build when the packed app lacks what its target
 * needs to load models and train (scripts/packaging/target-runtime.ts). It catches the classic broken installer: a
 * host packing another arch than its own, whose npm never installed that arch's @node-llama-cpp/* packages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { targetRuntime, type TargetOs } from './target-runtime.ts';

interface AfterPackContext {
  appOutDir: string;
  arch: number;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string } };
}

/** electron-builder's Arch enum. */
const archNames = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];
const osOf: Record<string, TargetOs> = { darwin: 'mac', mas: 'mac', win32: 'win', linux: 'linux' };

/** The app's resources folder inside an electron-builder output folder. */
export function resourcesDirOf(appOutDir: string, os: TargetOs, productFilename: string): string {
  return os === 'mac' ? path.join(appOutDir, `${productFilename}.app`, 'Contents', 'Resources') : path.join(appOutDir, 'resources');
}

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** What is missing from a packed app for its target; empty when complete. */
export function missingRuntime(resourcesDir: string, os: TargetOs, arch: string): string[] {
  const runtime = targetRuntime(os, arch);
  const unpacked = path.join(resourcesDir, 'app.asar.unpacked');
  const problems: string[] = [];
  runtime.llamaPackages.forEach((name, i) => {
    const bins = files(path.join(unpacked, 'node_modules', '@node-llama-cpp', name, 'bins'));
    if (bins.length === 0) problems.push(`@node-llama-cpp/${name}'s binaries`);
    else if (i === 0 && !bins.some((f) => path.basename(f) === 'llama-addon.node')) problems.push(`@node-llama-cpp/${name}'s llama-addon.node`);
  });
  if (!fs.existsSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'prebuilds', runtime.sqlitePrebuild)))
    problems.push(`better-sqlite3/prebuilds/${runtime.sqlitePrebuild}`);
  if (!fs.existsSync(path.join(unpacked, 'dist', 'native', 'prebuilds', runtime.trainerPrebuild, 'inflow-trainer.node')))
    problems.push(`dist/native/prebuilds/${runtime.trainerPrebuild}/inflow-trainer.node`);
  return problems;
}

export default async function afterPack(context: AfterPackContext): Promise<void> {
  const os = osOf[context.electronPlatformName];
  const arch = archNames[context.arch] ?? String(context.arch);
  if (os === undefined) return;
  const missing = missingRuntime(resourcesDirOf(context.appOutDir, os, context.packager.appInfo.productFilename), os, arch);
  if (missing.length > 0) {
    throw new Error(
      `The packed ${os}-${arch} app is incomplete: ${missing.join(', ')} missing. Pack each arch on a host of that arch ` +
        "(npm installs only the host's @node-llama-cpp packages) after `npm ci` and `npm run build:native -- --prebuild`.",
    );
  }
}
