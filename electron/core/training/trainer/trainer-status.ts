import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../paths.ts';
import type { TrainerStatus } from '../../contract/system.ts';
import { readSelfChecks } from './device-self-check.ts';
import { planRetention, retentionRule, type RetentionStores } from '../../adapters/retention.ts';
import { addonFileName, buildInfoFileName, locateNativeAddon } from './native-addon-location.ts';

/**
 * What `inflow doctor` and Settings show about training: where the trainer binary comes from, and the GPU
 * self-checks. Reads files only (the addon is not loaded, no device is touched).
 */
export function trainerStatus(dataDir: string, stores?: RetentionStores): TrainerStatus {
  const location = locateNativeAddon(path.join(repoRoot, 'native'));
  let problem: string | undefined;
  try {
    const info = JSON.parse(fs.readFileSync(path.join(location.dir, buildInfoFileName), 'utf8')) as { ok?: boolean; error?: string };
    if (info.ok !== true) problem = `its build failed: ${(info.error ?? 'unknown error').split('\n')[0]}`;
    else if (!fs.existsSync(path.join(location.dir, addonFileName))) problem = `${addonFileName} is missing from ${location.dir}`;
  } catch {
    problem = `no build and no prebuilt binary in ${location.dir}`;
  }
  return {
    addon: { found: problem === undefined, kind: location.kind, dir: location.dir, ...(problem === undefined ? {} : { problem }) },
    selfChecks: Object.values(readSelfChecks(dataDir)),
    retention: { keepLast: retentionRule.keepLast, reclaimableBytes: stores === undefined ? 0 : planRetention(stores).bytes },
  };
}
