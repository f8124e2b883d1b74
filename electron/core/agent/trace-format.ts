import type { ModuleCallRecord, RunRecord, StepRecord, TaskRecord } from '../store/run-store.ts';
import type { AgentEvent } from './agent-events.ts';

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const oneLine = (value: unknown, max = 300) =>
  cut((typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null')).replace(/\s+/g, ' ').trim(), max);

/**
 * One agent event as trace lines for a terminal (the live `inflow ask` view). Answer deltas are not
 * included: the caller streams them as they come.
 */
export function formatEvent(event: AgentEvent): string[] {
  switch (event.type) {
    case 'run-start':
      return [`Run ${event.runId} (${event.profile}; tools: ${event.tools.join(', ') || 'none'})`];
    case 'analysis':
      return [`Analysis: ${oneLine(event.text, 400)}`];
    case 'step-start':
      return [`Step ${event.step}/${event.maxSteps}`];
    case 'plan':
      return [`  plan     ${event.toolName ?? `(no enabled tool: "${oneLine(event.rawToolName, 60)}")`} — ${oneLine(event.subGoal, 200)}`];
    case 'tool-call':
      return [`  call     ${oneLine(event.input, 300)}`];
    case 'tool-result':
      return [
        event.ok
          ? `  result   ${oneLine(event.output, 400)}${event.truncated ? ' (cut)' : ''} [${Math.round(event.durationMs)} ms]`
          : `  error    ${event.error?.message ?? 'failed'}`,
      ];
    case 'verification':
      return [`  verifier ${event.stop ? 'STOP' : 'CONTINUE'} — ${oneLine(event.analysis, 200)}`];
    case 'answer-delta':
      return [];
    case 'run-end':
      return [
        `(${event.stopReason}; ${event.usage.modelCalls} model calls, ${event.usage.toolCalls} tool calls, ${event.usage.totalTokens} tokens${event.error ? `; ${event.error}` : ''})`,
      ];
  }
}

/** A stored run as a readable trace: the question, each step as it was recorded, every module call, the answer. */
export function formatStoredRun(input: { task: TaskRecord | undefined; run: RunRecord; steps: StepRecord[]; calls: ModuleCallRecord[] }): string[] {
  const { run, steps, calls } = input;
  const lines = [
    `Run ${run.id} (${run.kind}, ${run.profile ?? 'unknown profile'}) — ${new Date(run.createdAt).toISOString()}`,
    `Question: ${input.task?.question ?? '(task deleted)'}`,
    `Planner: ${run.plannerModel ?? '?'}${run.plannerAdapterId ? ` + adapter ${run.plannerAdapterId}` : ''}`,
  ];
  const analysis = calls.find((call) => call.module === 'analyzer');
  if (analysis) lines.push(`Analysis: ${oneLine(analysis.responseText, 400)}`);
  for (const step of steps) {
    lines.push(`Step ${step.idx}`);
    lines.push(`  plan     ${step.toolName ?? '(no enabled tool)'} — ${oneLine(step.subGoal ?? '', 200)}`);
    if (step.context) lines.push(`  context  ${oneLine(step.context, 200)}`);
    if (step.command !== null) lines.push(`  command  ${oneLine(step.command, 300)}`);
    if (step.result !== null) lines.push(`  result   ${oneLine(step.result, 400)}`);
    const verification = step.verification as { stop?: boolean; analysis?: string } | null;
    if (verification) lines.push(`  verifier ${verification.stop ? 'STOP' : 'CONTINUE'} — ${oneLine(verification.analysis ?? '', 200)}`);
    for (const call of calls.filter((c) => c.stepIdx === step.idx && c.module !== 'tool')) {
      lines.push(
        `  · ${call.module.padEnd(9)} ${call.promptTokens?.length ?? 0} prompt + ${call.responseTokens?.length ?? 0} response tokens, ${Math.round(call.durationMs)} ms`,
      );
    }
  }
  lines.push(`Answer: ${run.answer ?? '(none)'}`);
  lines.push(`(${run.stopReason ?? run.status}; ${run.totalTokens} tokens${run.error ? `; ${run.error}` : ''})`);
  return lines;
}
