import { useEffect, useState } from 'react';
import { trainingPresets, type TrainingMetricsPoint, type TrainingPreset } from '../../../../electron/core/contract/training.ts';
import { call, inflow, onEvent } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { ScreenHeader } from '../../components/ScreenHeader.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice, errorText } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { formatWhen, modelFileName } from '../../components/format.ts';
import { MetricsCharts } from './MetricsCharts.tsx';
import { AdaptersTable } from './AdaptersTable.tsx';
import { DatasetCard } from './DatasetCard.tsx';
import { JudgePicker, type JudgeSelection } from './JudgePicker.tsx';
import { ClusterExportCard } from './ClusterExportCard.tsx';

/** Training: datasets, start/stop a Flow-GRPO run from a preset, live charts, adapter versions. */
export function TrainingScreen({ selectedId }: { selectedId: string | undefined }) {
  const { navigate, notify, settings } = useApp();
  const runs = useQuery(() => call(inflow().training.runs()));
  const [datasetId, setDatasetId] = useState('');
  const [preset, setPreset] = useState<TrainingPreset['id']>('quick');
  const [judge, setJudge] = useState<JudgeSelection>(undefined);
  const [startError, setStartError] = useState<unknown>(undefined);
  const [live, setLive] = useState<Record<string, TrainingMetricsPoint[]>>({});
  const [messages, setMessages] = useState<Record<string, string>>({});

  const current = selectedId ?? runs.data?.[0]?.id;
  const metrics = useQuery(
    () => (current === undefined ? Promise.resolve([]) : call(inflow().training.metrics({ trainingRunId: current }))),
    [current],
  );

  useEffect(
    () =>
      onEvent('training-progress', (event) => {
        const { message } = event;
        if (message !== null) setMessages((previous) => ({ ...previous, [event.trainingRunId]: message }));
        if (event.point !== null) {
          const point = event.point;
          setLive((previous) => ({
            ...previous,
            [event.trainingRunId]: [...(previous[event.trainingRunId] ?? []).filter((entry) => entry.step !== point.step), point],
          }));
        }
        if (event.status !== 'running' || event.point !== null) {
          runs.reload();
          metrics.reload();
        }
      }),
    [runs.reload, metrics.reload],
  );

  const start = async () => {
    setStartError(undefined);
    try {
      const run = await call(inflow().training.start({ datasetId, preset, ...(judge === undefined ? {} : { judgeModelId: judge }) }));
      runs.reload();
      navigate({ screen: 'training', id: run.id });
    } catch (error) {
      setStartError(error);
    }
  };
  const resume = async (id: string) => {
    setStartError(undefined);
    try {
      await call(inflow().training.resume({ trainingRunId: id }));
      runs.reload();
    } catch (error) {
      setStartError(error);
    }
  };
  const end = async (id: string) => {
    if (
      !window.confirm(
        'End this run? It can no longer be resumed; its adapters and charts stay, and the trainer state it kept for a resume is deleted.',
      )
    )
      return;
    try {
      const { freedBytes } = await call(inflow().training.end({ trainingRunId: id }));
      runs.reload();
      notify(`Run ended; ${(freedBytes / 1024 / 1024).toFixed(1)} MB freed.`, 'info');
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };
  const stop = async (id: string) => {
    try {
      await call(inflow().training.stop({ trainingRunId: id }));
      runs.reload();
    } catch (error) {
      notify(errorText(error), 'error');
    }
  };

  const selectedRun = runs.data?.find((run) => run.id === current);
  const points = mergePoints(metrics.data ?? [], current === undefined ? [] : (live[current] ?? []));
  const noPlanner = settings !== undefined && settings.models.planner === null;
  return (
    <div className="screen">
      <ScreenHeader title="Training" subtitle="Flow-GRPO teaches the planner from rewarded outcomes: your ratings and checkable answers." />
      {noPlanner ? (
        <div className="notice">
          <span>Choose a planner model first: training improves that model's adapter.</span>
          <button type="button" className="secondary" onClick={() => navigate({ screen: 'models' })}>
            Go to Models
          </button>
        </div>
      ) : null}
      <div className="grid-2">
        <DatasetCard datasetId={datasetId} onChange={setDatasetId} />
        <section className="card">
          <h2>2. Preset</h2>
          <div className="presets" role="radiogroup" aria-label="Training preset">
            {trainingPresets.map((entry) => (
              <label key={entry.id} className={preset === entry.id ? 'preset selected' : 'preset'}>
                <input type="radio" name="preset" value={entry.id} checked={preset === entry.id} onChange={() => setPreset(entry.id)} />
                <span className="preset-label">{entry.label}</span>
                <span className="muted small-text">
                  {entry.description} {entry.steps} steps, groups of {entry.groupSize}.
                </span>
              </label>
            ))}
          </div>
          <JudgePicker value={judge} onChange={setJudge} />
          <button type="button" className="primary" disabled={datasetId === '' || noPlanner} onClick={() => void start()}>
            <Icon name="play" />
            Start training
          </button>
          {startError !== undefined ? <ErrorNotice error={startError} /> : null}
        </section>
      </div>

      <h2 className="section-title">Runs</h2>
      {runs.data !== undefined && runs.data.length === 0 ? (
        <EmptyState icon="training" title="No training runs yet">
          <p>
            Pick a dataset and a preset above, then start. Charts of reward, held-out accuracy, KL and loss update here after every step, and each
            step writes a new adapter version.
          </p>
        </EmptyState>
      ) : (
        <div className="split">
          <ul className="run-list" aria-label="Training runs">
            {(runs.data ?? []).map((run) => (
              <li key={run.id}>
                <button
                  type="button"
                  className={run.id === current ? 'run-item selected' : 'run-item'}
                  onClick={() => navigate({ screen: 'training', id: run.id })}
                >
                  <span className="run-question">{run.datasetName ?? 'deleted dataset'}</span>
                  <span className="run-meta">
                    <span className={`badge badge-${run.status}`}>{run.status === 'cancelled' ? 'ended' : run.status}</span>
                    <span>
                      step {run.lastCompletedStep} of {String(run.config.steps ?? '?')}
                    </span>
                    <span>{formatWhen(run.createdAt)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <div className="run-detail-pane">
            {selectedRun !== undefined ? (
              <>
                <div className="section-head">
                  <h3 title={selectedRun.baseModel}>
                    {selectedRun.datasetName ?? 'Training run'} on {modelFileName(selectedRun.baseModel)}
                  </h3>
                  {selectedRun.status === 'running' ? (
                    <button type="button" className="danger" onClick={() => void stop(selectedRun.id)}>
                      <Icon name="stop" />
                      Stop
                    </button>
                  ) : null}
                  {selectedRun.status === 'paused' || selectedRun.status === 'failed' ? (
                    <div className="row">
                      <button type="button" className="secondary" onClick={() => void resume(selectedRun.id)}>
                        <Icon name="play" />
                        Resume
                      </button>
                      <button type="button" className="secondary" onClick={() => void end(selectedRun.id)}>
                        End run
                      </button>
                    </div>
                  ) : null}
                </div>
                {selectedRun.status === 'running' && messages[selectedRun.id] !== undefined ? (
                  <p className="run-status" aria-live="polite">
                    <span className="spinner" aria-hidden="true" />
                    {messages[selectedRun.id]}
                  </p>
                ) : null}
                {selectedRun.error !== null ? <ErrorNotice error={new Error(selectedRun.error)} /> : null}
                {latestWarning(points) !== null ? (
                  <p className="run-warning" role="status" data-testid="training-warning">
                    {latestWarning(points)}
                  </p>
                ) : null}
                <MetricsCharts points={points} />
                <ClusterExportCard trainingRunId={selectedRun.id} />
              </>
            ) : null}
          </div>
        </div>
      )}
      <h2 className="section-title">Adapter versions</h2>
      <AdaptersTable />
    </div>
  );
}

function mergePoints(stored: TrainingMetricsPoint[], live: TrainingMetricsPoint[]): TrainingMetricsPoint[] {
  const byStep = new Map<number, TrainingMetricsPoint>();
  for (const point of [...stored, ...live]) byStep.set(point.step, point);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** The newest "not learning" warning among a run's steps, if any. */
function latestWarning(points: readonly TrainingMetricsPoint[]): string | null {
  return [...points].reverse().find((point) => point.warning !== null && point.warning !== undefined)?.warning ?? null;
}
