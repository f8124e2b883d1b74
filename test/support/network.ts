import { defaultSettings, type Settings } from '../../electron/core/contract/settings.ts';
import { EgressLog } from '../../electron/core/net/egress-log.ts';
import { Network } from '../../electron/core/net/network.ts';
import type { NetworkFeature } from '../../electron/core/net/network-policy.ts';
import { openDatabase } from '../../electron/core/store/database.ts';

/** A real network module over an in-memory database (its egress log), with the given privacy settings and grants. */
export function testNetwork(options: { privacy?: Partial<Settings['privacy']>; grants?: NetworkFeature[] } = {}): {
  network: Network;
  log: EgressLog;
} {
  const log = new EgressLog(openDatabase(':memory:'));
  const privacy = { ...defaultSettings.privacy, ...options.privacy };
  return { network: new Network({ privacy: () => privacy, log, ...(options.grants ? { grants: options.grants } : {}) }), log };
}
