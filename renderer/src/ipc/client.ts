import type { EventName, EventPayloads, InflowBridge, Result } from '../../../electron/core/contract/index.ts';

declare global {
  interface Window {
    /** Provided by the preload (Electron) or by the test bridge (browser tests). */
    inflow?: InflowBridge;
  }
}

/** An error the back end returned: stable code, a message and, where there is one, how to fix it. */
export class ClientError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'ClientError';
    this.code = code;
    this.hint = hint;
  }

  static isInstance(value: unknown): value is ClientError {
    return value instanceof Error && value.name === 'ClientError';
  }
}

/** The bridge, or a clear error when the page runs outside the app. */
export function inflow(): InflowBridge {
  if (window.inflow === undefined) {
    throw new ClientError('NO_BRIDGE', "Inflow's back end is not connected.", 'Open this page from the Inflow app, not a browser.');
  }
  return window.inflow;
}

/** Awaits a contract call and returns its value, or throws a ClientError carrying code and hint. */
export async function call<T>(pending: Promise<Result<T>>): Promise<T> {
  const result = await pending;
  if (result.ok) return result.value;
  throw new ClientError(result.error.code, result.error.message, result.error.hint);
}

/** Subscribes to a pushed event; returns the unsubscribe function. */
export function onEvent<E extends EventName>(name: E, listener: (payload: EventPayloads[E]) => void): () => void {
  return inflow().on(name, listener);
}
