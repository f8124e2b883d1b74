import type { Settings } from '../contract/settings.ts';

/** Everything in Inflow that may open a connection, one name per feature the user can allow. */
export type NetworkFeature = 'model-downloads' | 'web' | 'wikipedia' | 'mcp-http' | 'endpoint';

export const networkFeatures: readonly NetworkFeature[] = ['model-downloads', 'web', 'wikipedia', 'mcp-http', 'endpoint'];

/** What each feature is called when it is refused, and which privacy setting allows it (null: only per command). */
export const featureRules: Readonly<Record<NetworkFeature, { label: string; setting: keyof Settings['privacy'] | null; how: string }>> = {
  'model-downloads': {
    label: 'Model downloads',
    setting: 'modelDownloads',
    how: 'turn on "Model downloads" in Settings → Privacy (inflow models pull asks for one download itself)',
  },
  web: { label: 'The web tools', setting: 'networkTools', how: 'turn on "Web tools" in Settings → Privacy, or pass --web for one run' },
  wikipedia: {
    label: 'Wikipedia online',
    setting: 'wikipediaOnline',
    how: 'turn on "Wikipedia online" in Settings → Privacy, or pass --web for one run',
  },
  'mcp-http': { label: 'Tool servers over HTTP', setting: 'mcpHttp', how: 'turn on "Tool servers over HTTP" in Settings → Privacy' },
  endpoint: { label: 'An OpenAI-compatible endpoint', setting: null, how: 'name it with --endpoint on the command that uses it' },
};

/**
 * The rule: a connection to this computer (loopback) is always allowed and logged; any other host only for a
 * feature the user allowed, in Settings (stored) or for one command (`grants`). Nothing is allowed by default.
 */
export function featureAllowed(feature: NetworkFeature, privacy: Settings['privacy'], grants: ReadonlySet<NetworkFeature>): boolean {
  if (grants.has(feature)) return true;
  const setting = featureRules[feature].setting;
  return setting !== null && privacy[setting];
}

/** True for hosts that never leave this computer: localhost, 127.0.0.0/8, ::1 (and its IPv4-mapped form). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice(7) : host;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
