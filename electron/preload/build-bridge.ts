import type { EventName, InflowBridge } from '../core/contract/index.ts';

export interface BridgeTransport {
  methodNames: readonly string[];
  eventNames: readonly EventName[];
  invoke(methodName: string, input: unknown): Promise<unknown>;
  subscribe(name: EventName, listener: (payload: unknown) => void): () => void;
}

/**
 * Builds the `window.inflow` object from the contract's names over any transport (Electron IPC in the
 * preload). Unknown event names are refused here, before anything reaches the main process.
 */
export function buildBridge(transport: BridgeTransport): InflowBridge {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of transport.methodNames) {
    const [domain, method] = name.split('.') as [string, string];
    api[domain] ??= {};
    api[domain][method] = (input?: unknown) => transport.invoke(name, input);
  }
  const on = (name: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (!transport.eventNames.includes(name)) throw new Error(`Unknown event "${String(name)}".`);
    if (typeof listener !== 'function') throw new Error('The listener must be a function.');
    return transport.subscribe(name, (payload) => listener(payload));
  };
  return Object.freeze({ ...api, on }) as unknown as InflowBridge;
}
