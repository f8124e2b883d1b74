import { useEffect, useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { formatDuration, formatWhen, formatValue, stopReasonLabel } from '../../components/format.ts';
import { TraceView } from '../ask/TraceView.tsx';
import type { TraceStep } from '../ask/trace-model.ts';
import type { RunDetail } from '../../../../electron/core/contract/runs.ts';
import { FeedbackBar } from '../ask/FeedbackBar.tsx';

/** One run: question, outcome, reward, the trajectory (replayable step by step) and every module call. */
export function RunDetailView({ runId, onChanged }: { runId: string; onChanged: () => void }) {
  const detail = useQuery(() => call(inflow().runs.get({ runId })), [runId]);
  const [shown, setShown] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    setShown(null);
  }, [runId]);
  useEffect(() => {
    if (shown === null || detail.data === undefined || shown >= detail.data.steps.length) return;
    const timer = setTimeout(() => setShown((value) => (value === null ? null : value + 1)), 700);
    return () => clearTimeout(timer);
  }, [shown, detail.data]);

  if (detail.error !== undefined) return <ErrorNotice error={detail.error} onRetry={detail.reload} />;
  if (detail.data === undefined) return <p className="muted">Loading…</p>;
  const { run } = detail.data;
  const steps = toTraceSteps(detail.data);
  const replaying = shown !== null && shown < steps.length;
  return (
    <article className="run-detail" aria-label="Run details">
      <h2 className="run-title">{run.question}</h2>
      <dl className="facts">
        <div>
          <dt>Outcome</dt>
          <dd>
            <span className={`badge badge-${run.stopReason ?? 'running'}`}>{stopReasonLabel(run.stopReason)}</span>
          </dd>
        </div>
        <div>
          <dt>Reward</dt>
          <dd data-testid="run-reward">{run.reward === null ? 'none yet' : run.reward.toFixed(2)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatWhen(run.createdAt)}</dd>
        </div>
        <div>
          <dt>Took</dt>
          <dd>{run.endedAt === null ? '—' : formatDuration(run.endedAt - run.createdAt)}</dd>
        </div>
        <div>
          <dt>Planner</dt>
          <dd>
            {run.plannerModel ?? '—'}
            {run.plannerAdapterId !== null ? ` + ${run.plannerAdapterId}` : ''}
          </dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{detail.data.totalTokens}</dd>
        </div>
      </dl>
      {detail.data.error !== null ? <ErrorNotice error={new Error(detail.data.error)} /> : null}
      <section className="card answer">
        <h3>Answer</h3>
        {run.answer !== null && run.answer !== '' ? <p className="answer-text">{run.answer}</p> : <p className="muted">No answer was given.</p>}
        {run.status === 'ended' ? <FeedbackBar key={run.id} runId={run.id} initial={run.rating} onError={setError} /> : null}
        {error !== undefined ? <ErrorNotice error={error} /> : null}
      </section>
      <div className="section-head">
        <h3>Trajectory</h3>
        <button
          type="button"
          className="secondary"
          disabled={steps.length === 0 || replaying}
          onClick={() => {
            setShown(0);
            onChanged();
          }}
        >
          <Icon name="play" />
          {replaying ? 'Replaying…' : 'Replay'}
        </button>
      </div>
      {steps.length === 0 ? (
        <p className="muted">This run has no steps.</p>
      ) : (
        <TraceView analysis={null} steps={shown === null ? steps : steps.slice(0, shown)} running={replaying} />
      )}
      {detail.data.rewards.length > 0 ? (
        <>
          <h3>Rewards</h3>
          <ul className="plain-list">
            {detail.data.rewards.map((reward) => (
              <li key={`${reward.source}-${reward.createdAt}`}>
                {reward.value.toFixed(2)} from {reward.source} · {formatWhen(reward.createdAt)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <details className="calls">
        <summary>Module calls ({detail.data.calls.length})</summary>
        <table>
          <thead>
            <tr>
              <th>Module</th>
              <th>Step</th>
              <th>Model</th>
              <th>Tokens in/out</th>
              <th>Mean log-prob</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {detail.data.calls.map((moduleCall) => (
              <tr key={moduleCall.id}>
                <td>{moduleCall.module}</td>
                <td>{moduleCall.stepIdx ?? '—'}</td>
                <td>
                  {moduleCall.modelId ?? '—'}
                  {moduleCall.adapterId !== null ? ` + ${moduleCall.adapterId}` : ''}
                </td>
                <td>
                  {moduleCall.promptTokenCount}/{moduleCall.responseTokenCount}
                </td>
                <td>{moduleCall.meanLogprob === null ? '—' : moduleCall.meanLogprob.toFixed(3)}</td>
                <td>{formatDuration(moduleCall.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </article>
  );
}

function toTraceSteps(detail: RunDetail): TraceStep[] {
  return detail.steps.map((step) => {
    const verification = step.verification as { analysis?: unknown; stop?: unknown } | null;
    return {
      step: step.idx,
      subGoal: step.subGoal,
      toolName: step.toolName,
      context: step.context,
      command: step.command,
      hasCommand: step.command !== null,
      result: step.result,
      resultIsError: typeof step.result === 'object' && step.result !== null && 'error' in step.result,
      resultMs: null,
      hasResult: step.result !== null,
      verification:
        verification !== null && typeof verification === 'object'
          ? {
              analysis: typeof verification.analysis === 'string' ? verification.analysis : formatValue(verification),
              stop: verification.stop === true,
            }
          : null,
    };
  });
}
