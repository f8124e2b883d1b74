import { useEffect, useMemo, useRef, useState } from 'react';
import { call, inflow } from '../../ipc/client.ts';
import { useQuery } from '../../ipc/use-query.ts';
import { useApp } from '../../app/app-context.ts';
import { ScreenHeader } from '../../components/ScreenHeader.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorNotice, errorText } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { stopReasonLabel } from '../../components/format.ts';
import { collectSources, foldTrace } from './trace-model.ts';
import { TraceView } from './TraceView.tsx';
import { ToolPicker } from './ToolPicker.tsx';
import { DemonstrationPicker } from './DemonstrationPicker.tsx';
import { FeedbackBar } from './FeedbackBar.tsx';
import { askSession, useAskSession } from './trace-store.ts';
import { ApprovalCard } from './ApprovalCard.tsx';
import { GettingStarted } from './GettingStarted.tsx';

/** Ask: type a task, watch the agent work step by step, read the answer with its sources, rate it. */
export function AskScreen() {
  const { settings, navigate, refresh } = useApp();
  const tools = useQuery(() => call(inflow().ask.tools()));
  const { events, currentRunId: runId, draft: question, approvals } = useAskSession();
  const setQuestion = askSession.setDraft;
  const setRunId = askSession.setCurrentRun;
  const [enabled, setEnabled] = useState<Set<string> | null>(null);
  const [demonstrated, setDemonstrated] = useState<string[]>([]);
  const [startError, setStartError] = useState<unknown>(undefined);
  const [starting, setStarting] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (tools.data !== undefined && enabled === null) {
      setEnabled(new Set(tools.data.filter((tool) => tool.available && tool.defaultEnabled).map((tool) => tool.name)));
    }
  }, [tools.data, enabled]);

  const trace = useMemo(() => foldTrace(runId === null ? [] : (events.get(runId) ?? [])), [events, runId]);
  const running = runId !== null && trace.ended === null;
  const sources = useMemo(
    () => collectSources(trace.steps.filter((step) => step.hasResult && !step.resultIsError).map((step) => step.result)),
    [trace.steps],
  );

  useEffect(() => {
    if (trace.ended !== null) refresh();
  }, [trace.ended, refresh]);

  const start = async () => {
    if (question.trim() === '' || running || starting) return;
    setStartError(undefined);
    setStarting(true);
    try {
      const started = await call(
        inflow().ask.start({
          question,
          ...(enabled === null ? {} : { tools: [...enabled] }),
          ...(demonstrated.length === 0 ? {} : { pinnedTools: demonstrated }),
        }),
      );
      setRunId(started.runId);
    } catch (error) {
      setStartError(error);
    } finally {
      setStarting(false);
    }
  };

  const cancel = async () => {
    if (runId !== null) await call(inflow().ask.cancel({ runId })).catch(() => undefined);
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && running) void cancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const noPlanner = settings !== undefined && settings.models.planner === null;

  return (
    <div className="screen ask-screen">
      <ScreenHeader title="Ask" subtitle="The agent plans, uses tools, checks its work, and answers — all on this computer." />
      {noPlanner ? (
        <EmptyState
          icon="models"
          title="Choose a model to get started"
          action={
            <button type="button" className="primary" onClick={() => navigate({ screen: 'models' })}>
              Go to Models
            </button>
          }
        >
          <p>
            Inflow runs a local GGUF model as its planner. Pick one you have installed (or download a recommended one), then come back and ask
            anything.
          </p>
        </EmptyState>
      ) : (
        <>
          <form
            className="task-box card"
            onSubmit={(event) => {
              event.preventDefault();
              void start();
            }}
          >
            <label htmlFor="question" className="visually-hidden">
              Your question or task
            </label>
            <textarea
              id="question"
              ref={input}
              value={question}
              rows={3}
              placeholder="Ask a question or describe a task…  (Ctrl+Enter to run)"
              onChange={(event) => setQuestion(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                  event.preventDefault();
                  void start();
                }
              }}
              disabled={running}
            />
            <div className="task-actions">
              <ToolPicker tools={tools.data ?? []} enabled={enabled ?? new Set()} onChange={setEnabled} />
              <DemonstrationPicker
                tools={(tools.data ?? []).filter((tool) => tool.available && (enabled ?? new Set()).has(tool.name))}
                steps={demonstrated}
                onChange={setDemonstrated}
              />
              {running ? (
                <button type="button" className="danger" onClick={() => void cancel()}>
                  <Icon name="stop" />
                  Cancel
                </button>
              ) : (
                <button type="submit" className="primary" disabled={question.trim() === '' || starting}>
                  <Icon name="play" />
                  {starting ? 'Starting…' : 'Ask'}
                </button>
              )}
            </div>
          </form>
          {startError !== undefined ? <ErrorNotice error={startError} /> : null}
          {runId === null ? (
            <GettingStarted
              onTry={(text) => {
                setQuestion(text);
                input.current?.focus();
              }}
            />
          ) : (
            <div className="ask-result">
              <div className="run-status" aria-live="polite">
                {running ? <span className="spinner" aria-hidden="true" /> : null}
                <span>
                  {running
                    ? `Working… step ${trace.steps.length || 1}`
                    : `${stopReasonLabel(trace.ended?.stopReason)} · ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}`}
                </span>
                <button type="button" className="link" onClick={() => navigate({ screen: 'runs', id: runId })}>
                  Open in Runs
                </button>
                {!running ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setRunId(null);
                      setQuestion('');
                      input.current?.focus();
                    }}
                  >
                    New question
                  </button>
                ) : null}
              </div>
              <TraceView analysis={trace.analysis} steps={trace.steps} running={running} />
              {[...approvals.values()]
                .filter((approval) => approval.runId === runId)
                .map((approval) => (
                  <ApprovalCard key={approval.requestId} approval={approval} onError={setStartError} />
                ))}
              {trace.answer !== '' || trace.ended !== null ? (
                <section className="answer card" aria-label="Answer">
                  <h2>Answer</h2>
                  {trace.answer !== '' ? (
                    <p className="answer-text" data-testid="answer">
                      {trace.answer}
                    </p>
                  ) : (
                    <p className="muted">No answer: {trace.ended?.error ?? stopReasonLabel(trace.ended?.stopReason)}.</p>
                  )}
                  {sources.length > 0 ? (
                    <div className="sources">
                      <h3>Sources</h3>
                      <ul>
                        {sources.map((source) => (
                          <li key={source}>
                            {/^https?:\/\//.test(source) ? (
                              <a href={source} target="_blank" rel="noreferrer">
                                {source}
                              </a>
                            ) : (
                              source
                            )}
                          </li>
                        ))}
                      </ul>
                    </div>
                  ) : null}
                  {trace.ended !== null ? <FeedbackBar runId={runId} onError={(error) => setStartError(error)} /> : null}
                </section>
              ) : null}
            </div>
          )}
          {tools.error !== undefined ? <p className="muted">Tools could not be listed: {errorText(tools.error)}</p> : null}
        </>
      )}
    </div>
  );
}
