import type { TraceEvent } from '../contract/ask.ts';
import type { AgentEvent } from '../agent/agent-events.ts';

/** The agent's event as the UI's trace event (numbered, timestamped, outputs made plain data). */
export function toTraceEvent(event: AgentEvent, runId: string, seq: number): TraceEvent | null {
  const at = Date.now();
  switch (event.type) {
    case 'run-start':
      return { type: 'run-start', runId, seq, question: event.question, at };
    case 'analysis':
      return { type: 'analysis', runId, seq, text: event.text, at };
    case 'step-start':
      return { type: 'step-start', runId, seq, step: event.step, at };
    case 'plan':
      return {
        type: 'plan',
        runId,
        seq,
        step: event.step,
        subGoal: event.subGoal,
        toolName: event.toolName ?? event.rawToolName,
        context: event.context,
        at,
      };
    case 'tool-call':
      return { type: 'tool-call', runId, seq, step: event.step, toolName: event.toolName, command: event.input, at };
    case 'tool-result':
      return {
        type: 'tool-result',
        runId,
        seq,
        step: event.step,
        toolName: event.toolName,
        result: event.ok ? (event.output ?? null) : (event.error ?? null),
        isError: !event.ok,
        durationMs: event.durationMs,
        at,
      };
    case 'verification':
      return { type: 'verification', runId, seq, step: event.step, analysis: event.analysis, stop: event.stop, at };
    case 'answer-delta':
      return { type: 'answer-delta', runId, seq, text: event.text, at };
    case 'run-end':
      return { type: 'run-end', runId, seq, stopReason: event.stopReason, answer: event.answer, error: event.error ?? null, at };
  }
}
