import { useSyncExternalStore } from 'react';
import type { ToolApprovalView, TraceEvent } from '../../../../electron/core/contract/ask.ts';
import { onEvent } from '../../ipc/client.ts';

export interface AskSession {
  /** Events of every run started or watched in this window, by run id. */
  events: ReadonlyMap<string, readonly TraceEvent[]>;
  /** The run the Ask screen shows. */
  currentRunId: string | null;
  /** The task box's text, kept while the user visits other screens. */
  draft: string;
  /** "Ask first" tool calls, by request id, with their latest state. */
  approvals: ReadonlyMap<string, ToolApprovalView>;
}

let state: AskSession = { events: new Map(), currentRunId: null, draft: '', approvals: new Map() };
const listeners = new Set<() => void>();

function update(next: Partial<AskSession>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

/**
 * The Ask screen's state outside React, so a run keeps streaming into it while the user looks at other
 * screens and the trace is all there on return. `connect` subscribes to `run-trace` once for the window.
 */
export const askSession = {
  connect(): () => void {
    if (window.inflow === undefined) return () => undefined;
    const offTrace = onEvent('run-trace', (event) => {
      const events = new Map(state.events);
      events.set(event.runId, [...(events.get(event.runId) ?? []), event]);
      update({ events });
    });
    const offApproval = onEvent('tool-approval', (approval) => {
      update({ approvals: new Map(state.approvals).set(approval.requestId, approval) });
    });
    return () => {
      offTrace();
      offApproval();
    };
  },
  setCurrentRun(runId: string | null): void {
    update({ currentRunId: runId });
  },
  setDraft(draft: string): void {
    update({ draft });
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  snapshot(): AskSession {
    return state;
  },
};

export function useAskSession(): AskSession {
  return useSyncExternalStore(askSession.subscribe, askSession.snapshot);
}
