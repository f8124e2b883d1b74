import { formatDuration, formatValue } from '../../components/format.ts';
import { Icon } from '../../components/Icon.tsx';
import type { TraceStep } from './trace-model.ts';

/**
 * The run step by step: each step is a collapsible card (plan, tool call, tool result, verification).
 * The newest step is open while the run goes on; finished steps can be opened again.
 */
export function TraceView({ analysis, steps, running }: { analysis: string | null; steps: TraceStep[]; running: boolean }) {
  return (
    <ol className="trace" aria-label="Run trace">
      {analysis !== null ? (
        <li className="trace-step">
          <details>
            <summary>
              <span className="step-index">0</span>
              <span className="step-title">Query analysis</span>
            </summary>
            <div className="step-body">
              <p className="prose">{analysis}</p>
            </div>
          </details>
        </li>
      ) : null}
      {steps.map((step, index) => {
        const last = index === steps.length - 1;
        const state =
          step.verification !== null
            ? step.verification.stop
              ? 'stop'
              : 'continue'
            : !running
              ? 'unfinished'
              : step.hasResult
                ? 'result'
                : step.hasCommand
                  ? 'calling'
                  : 'planning';
        return (
          <li key={step.step} className={`trace-step trace-${state}`} data-testid="trace-step">
            <details open={running && last ? true : undefined}>
              <summary>
                <span className="step-index">{step.step}</span>
                <span className="step-title">{step.subGoal ?? 'Planning the next step…'}</span>
                {step.toolName !== null ? (
                  <span className="chip" title={step.toolName}>
                    <Icon name="tool" />
                    {toolDisplayName(step.toolName)}
                  </span>
                ) : null}
                <span className={`step-state state-${state}`}>{stateLabel(state)}</span>
              </summary>
              <div className="step-body">
                <Section label="Plan">
                  {step.subGoal !== null ? <p className="prose">{step.subGoal}</p> : <p className="muted">Waiting for the planner…</p>}
                  {step.context !== null && step.context !== '' ? <p className="muted small-text">Context: {step.context}</p> : null}
                </Section>
                {step.hasCommand ? (
                  <Section label={`Tool call · ${toolDisplayName(step.toolName ?? '')}`}>
                    <pre className="code">{formatValue(step.command)}</pre>
                  </Section>
                ) : null}
                {step.hasResult ? (
                  <Section label={`Tool result${step.resultMs === null ? '' : ` · ${formatDuration(step.resultMs)}`}`}>
                    <pre className={step.resultIsError ? 'code code-error' : 'code'}>{formatValue(step.result)}</pre>
                  </Section>
                ) : null}
                {step.verification !== null ? (
                  <Section label={`Verification · ${step.verification.stop ? 'enough to answer' : 'continue'}`}>
                    <p className="prose">{step.verification.analysis}</p>
                  </Section>
                ) : null}
              </div>
            </details>
          </li>
        );
      })}
    </ol>
  );
}

function Section({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <section className="step-section">
      <h4>{label}</h4>
      {children}
    </section>
  );
}

/** "Python_Code_Generator_Tool" → "Python Code Generator". */
export function toolDisplayName(name: string): string {
  return name.replace(/_Tool$/, '').replace(/_/g, ' ');
}

function stateLabel(state: string): string {
  switch (state) {
    case 'unfinished':
      return 'Not verified';
    case 'stop':
      return 'Verified';
    case 'continue':
      return 'Continue';
    case 'result':
      return 'Verifying…';
    case 'calling':
      return 'Running tool…';
    default:
      return 'Planning…';
  }
}
