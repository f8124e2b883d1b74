import { eventNames, methodNames } from '../../../electron/core/contract/index.ts';
import { buildBridge } from '../../../electron/preload/build-bridge.ts';

/**
 * The script the e2e page runs before the app (page.addInitScript): it builds `window.inflow` with the
 * preload's own `buildBridge` over fetch + EventSource to the bridge server, reached through the page's
 * own origin (`prefix`, proxied by the preview server) so the app's strict CSP (connect-src 'self') holds.
 */
export function bridgeInitScript(prefix: string): string {
  const transport = `{
    methodNames: ${JSON.stringify(methodNames)},
    eventNames: ${JSON.stringify(eventNames)},
    invoke: async (name, input) => {
      const response = await fetch(${JSON.stringify(prefix)} + '/call/' + name, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ input }) });
      if (!response.ok) return { ok: false, error: { code: 'BRIDGE', message: 'The test bridge answered ' + response.status } };
      return response.json();
    },
    subscribe: (() => {
      let source = null;
      return (name, listener) => {
        if (source === null) source = new EventSource(${JSON.stringify(prefix)} + '/events');
        const handler = (message) => listener(JSON.parse(message.data));
        source.addEventListener(name, handler);
        return () => source.removeEventListener(name, handler);
      };
    })(),
  }`;
  return `window.inflow = (${buildBridge.toString()})(${transport});`;
}
