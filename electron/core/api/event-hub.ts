import type { EventName, EventPayloads } from '../contract/index.ts';

export type EventListener = <E extends EventName>(name: E, payload: EventPayloads[E]) => void;

/**
 * Fan-out of back-end events to whoever shows them: the Electron window (via webContents.send) or the
 * e2e bridge (via server-sent events). A listener that throws does not stop the others.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  /** Subscribe; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(name: E, payload: EventPayloads[E]): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch {
        // A broken window must not break the run that reports to it.
      }
    }
  }
}
