import { useEffect, useRef, useState } from 'react';
import type { ToolApprovalView } from '../../../../electron/core/contract/ask.ts';
import { call, inflow } from '../../ipc/client.ts';
import { formatValue } from '../../components/format.ts';
import { Icon } from '../../components/Icon.tsx';

/** A tool call marked "ask first", paused until the user allows or denies it. */
export function ApprovalCard({ approval, onError }: { approval: ToolApprovalView; onError: (error: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  const allowButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (approval.state !== 'pending') return;
    allowButton.current?.scrollIntoView({ block: 'nearest' });
    allowButton.current?.focus({ preventScroll: true });
  }, [approval.state]);
  const answer = async (allow: boolean) => {
    setBusy(true);
    try {
      await call(inflow().ask.approve({ requestId: approval.requestId, allow }));
    } catch (error) {
      onError(error);
    } finally {
      setBusy(false);
    }
  };
  const pending = approval.state === 'pending';
  return (
    <section
      className={`approval card approval-${approval.state}`}
      role={pending ? 'alertdialog' : 'status'}
      aria-label={`Approve ${approval.toolName}`}
    >
      <h3>{pending ? 'Allow this tool call?' : approval.state === 'allowed' ? 'Tool call allowed' : 'Tool call denied'}</h3>
      <p>
        Step {approval.step}: <strong>{approval.toolName}</strong> <span className="muted">({approval.source})</span>
      </p>
      <pre className="code">{formatValue(approval.input)}</pre>
      {pending ? (
        <div className="row">
          <button type="button" ref={allowButton} className="primary" disabled={busy} onClick={() => void answer(true)}>
            <Icon name="check" />
            Allow
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void answer(false)}>
            <Icon name="x" />
            Deny
          </button>
          <span className="muted small-text">The run waits for your answer. A denied call is noted in the run and the agent goes on without it.</span>
        </div>
      ) : null}
    </section>
  );
}
