import type { AdapterView } from '../../../../electron/core/contract/training.ts';
import { useEffect } from 'react';
import { call, inflow, onEvent } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { errorText } from '../../components/ErrorNotice.tsx';
import { formatWhen, modelFileName } from '../../components/format.ts';

const accuracy = (adapter: AdapterView): string => {
  const value = adapter.metrics.heldoutAccuracy;
  return typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '—';
};

/** Adapter versions side by side: held-out accuracy to compare, promote one, roll back, or return to base. */
export function AdaptersTable() {
  const { notify } = useApp();
  const adapters = useQuery(() => call(inflow().training.adapters()));
  useEffect(
    () =>
      onEvent('training-progress', (event) => {
        if (event.point !== null || event.status !== 'running') adapters.reload();
      }),
    [adapters.reload],
  );
  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      adapters.reload();
      notify(done);
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  if (adapters.data === undefined) return null;
  if (adapters.data.length === 0)
    return <p className="muted">Every training step writes a new adapter version; they appear here to compare and promote.</p>;
  return (
    <div className="table-wrap">
      <table className="adapters">
        <thead>
          <tr>
            <th>Version</th>
            <th>Base model</th>
            <th>Held-out accuracy</th>
            <th>Status</th>
            <th>Created</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {adapters.data.map((adapter) => (
            <tr key={adapter.id} className={adapter.active ? 'active-row' : undefined}>
              <td>v{adapter.version}</td>
              <td title={adapter.baseModel}>{modelFileName(adapter.baseModel)}</td>
              <td>{accuracy(adapter)}</td>
              <td>{adapter.active ? <span className="badge badge-answered">Active</span> : <span className="badge">{adapter.status}</span>}</td>
              <td>{formatWhen(adapter.createdAt)}</td>
              <td>
                {adapter.active ? null : (
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => void act(() => call(inflow().training.promote({ adapterId: adapter.id })), `Promoted v${adapter.version}.`)}
                  >
                    Promote
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button
          type="button"
          className="secondary small"
          onClick={() => void act(() => call(inflow().training.rollback()), 'Rolled back to the previous adapter.')}
        >
          Roll back
        </button>
        <button
          type="button"
          className="ghost small"
          onClick={() => void act(() => call(inflow().training.useBase()), 'The planner now runs without an adapter.')}
        >
          Use base model
        </button>
      </div>
    </div>
  );
}
