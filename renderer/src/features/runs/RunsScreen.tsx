import { useState } from 'react';
import type { StopReason } from '../../../../electron/core/contract/common.ts';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { ScreenHeader } from '../../components/ScreenHeader.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { formatWhen, stopReasonLabel } from '../../components/format.ts';
import { RunDetailView } from './RunDetailView.tsx';

const reasons: StopReason[] = ['answered', 'step_limit', 'time_limit', 'token_limit', 'cancelled', 'error', 'interrupted'];

/** Runs: every stored run, searchable and filterable, with the chosen run's full trajectory beside the list. */
export function RunsScreen({ selectedId }: { selectedId: string | undefined }) {
  const { navigate } = useApp();
  const [search, setSearch] = useState('');
  const [kind, setKind] = useState<'' | 'ask' | 'rollout' | 'eval'>('');
  const [reason, setReason] = useState<'' | StopReason>('');
  const runs = useQuery(
    () =>
      call(
        inflow().runs.list({
          ...(search.trim() === '' ? {} : { search }),
          ...(kind === '' ? {} : { kind }),
          ...(reason === '' ? {} : { stopReason: reason }),
        }),
      ),
    [search, kind, reason],
  );
  const filtered = search !== '' || kind !== '' || reason !== '';

  return (
    <div className="screen runs-screen">
      <ScreenHeader title="Runs" subtitle="Every run is recorded with its full trajectory: plans, tool calls, results, rewards." />
      <div className="filters" role="search">
        <label className="search-field">
          <span className="visually-hidden">Search runs</span>
          <input type="search" placeholder="Search questions and answers" value={search} onChange={(event) => setSearch(event.target.value)} />
        </label>
        <label>
          <span className="visually-hidden">Kind</span>
          <select value={kind} onChange={(event) => setKind(event.target.value as typeof kind)}>
            <option value="">All kinds</option>
            <option value="ask">Asked</option>
            <option value="rollout">Training rollouts</option>
            <option value="eval">Evaluation</option>
          </select>
        </label>
        <label>
          <span className="visually-hidden">Outcome</span>
          <select value={reason} onChange={(event) => setReason(event.target.value as typeof reason)}>
            <option value="">Any outcome</option>
            {reasons.map((value) => (
              <option key={value} value={value}>
                {stopReasonLabel(value)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {runs.error !== undefined ? <ErrorNotice error={runs.error} onRetry={runs.reload} /> : null}
      {runs.data !== undefined && runs.data.length === 0 ? (
        filtered ? (
          <p className="muted">No runs match these filters.</p>
        ) : (
          <EmptyState
            icon="runs"
            title="No runs yet"
            action={
              <button type="button" className="primary" onClick={() => navigate({ screen: 'ask' })}>
                Ask a question
              </button>
            }
          >
            <p>Each question you ask becomes a run here, with every step the agent took. Rate answers to turn them into training data.</p>
          </EmptyState>
        )
      ) : (
        <div className="split">
          <ul className="run-list" aria-label="Runs">
            {(runs.data ?? []).map((run) => (
              <li key={run.id}>
                <button
                  type="button"
                  className={run.id === selectedId ? 'run-item selected' : 'run-item'}
                  aria-current={run.id === selectedId ? 'true' : undefined}
                  onClick={() => navigate({ screen: 'runs', id: run.id })}
                >
                  <span className="run-question">{run.question}</span>
                  <span className="run-meta">
                    <span className={`badge badge-${run.stopReason ?? 'running'}`}>{stopReasonLabel(run.stopReason)}</span>
                    <span>
                      {run.steps} step{run.steps === 1 ? '' : 's'}
                    </span>
                    {run.reward !== null ? <span>reward {run.reward.toFixed(2)}</span> : null}
                    {run.kind !== 'ask' ? <span>{run.kind}</span> : null}
                    <span>{formatWhen(run.createdAt)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <div className="run-detail-pane">
            {selectedId === undefined ? (
              <p className="muted pane-hint">Choose a run to see its trajectory.</p>
            ) : (
              <RunDetailView runId={selectedId} onChanged={runs.reload} />
            )}
          </div>
        </div>
      )}
    </div>
  );
}
