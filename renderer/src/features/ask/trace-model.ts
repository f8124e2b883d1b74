import type { TraceEvent } from '../../../../electron/core/contract/ask.ts';

export interface TraceStep {
  step: number;
  subGoal: string | null;
  toolName: string | null;
  context: string | null;
  command: unknown;
  hasCommand: boolean;
  result: unknown;
  resultIsError: boolean;
  resultMs: number | null;
  hasResult: boolean;
  verification: { analysis: string; stop: boolean } | null;
}

export interface TraceState {
  question: string | null;
  analysis: string | null;
  steps: TraceStep[];
  answer: string;
  ended: Extract<TraceEvent, { type: 'run-end' }> | null;
}

/** Folds a run's events (in `seq` order) into what the trace view draws. */
export function foldTrace(events: readonly TraceEvent[]): TraceState {
  const state: TraceState = { question: null, analysis: null, steps: [], answer: '', ended: null };
  const stepOf = (step: number): TraceStep => {
    let found = state.steps.find((entry) => entry.step === step);
    if (found === undefined) {
      found = {
        step,
        subGoal: null,
        toolName: null,
        context: null,
        command: null,
        hasCommand: false,
        result: null,
        resultIsError: false,
        resultMs: null,
        hasResult: false,
        verification: null,
      };
      state.steps.push(found);
    }
    return found;
  };
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    switch (event.type) {
      case 'run-start':
        state.question = event.question;
        break;
      case 'analysis':
        state.analysis = event.text;
        break;
      case 'step-start':
        stepOf(event.step);
        break;
      case 'plan':
        Object.assign(stepOf(event.step), { subGoal: event.subGoal, toolName: event.toolName, context: event.context });
        break;
      case 'tool-call':
        Object.assign(stepOf(event.step), { toolName: event.toolName, command: event.command, hasCommand: true });
        break;
      case 'tool-result':
        Object.assign(stepOf(event.step), { result: event.result, resultIsError: event.isError, resultMs: event.durationMs, hasResult: true });
        break;
      case 'verification':
        stepOf(event.step).verification = { analysis: event.analysis, stop: event.stop };
        break;
      case 'answer-delta':
        state.answer += event.text;
        break;
      case 'run-end':
        state.ended = event;
        if (event.answer !== null) state.answer = event.answer;
        break;
    }
  }
  state.steps.sort((a, b) => a.step - b.step);
  return state;
}

/** Where an answer came from: source / url / path fields found in tool results (deduplicated, at most 8). */
export function collectSources(results: readonly unknown[]): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (found.size >= 8 || depth > 5 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (
        (key === 'source' || key === 'url' || key === 'path' || key === 'title') &&
        typeof inner === 'string' &&
        inner.length > 0 &&
        inner.length < 300
      ) {
        if (key !== 'title') found.add(inner);
      } else visit(inner, depth + 1);
    }
  };
  for (const result of results) visit(result, 0);
  return [...found];
}
