import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentEvent } from '../agent/agent-events.ts';
import type { TraceEvent } from '../contract/ask.ts';
import type { AskService } from '../api/ask-service.ts';
import { toTraceEvent } from '../api/trace-event.ts';
import type { RunAgentResult } from '../agent/run-agent.ts';
import { agentModelId, type ParsedChatRequest } from './chat-request.ts';
import { clientGone, EventStream, HttpError, sendJson } from './http-io.ts';

/** The question for the agent: the last user message (earlier turns and system messages are not used). */
function questionOf(chat: ParsedChatRequest): string {
  const last = chat.messages.findLast((message) => message.role === 'user');
  if (last === undefined || last.content.trim() === '')
    throw new HttpError(400, 'invalid_request', 'The agent needs a user message with the question.', { param: 'messages' });
  return last.content;
}

function usageOf(result: RunAgentResult) {
  return { prompt_tokens: result.usage.promptTokens, completion_tokens: result.usage.responseTokens, total_tokens: result.usage.totalTokens };
}

function finishOf(result: RunAgentResult): 'stop' | 'length' {
  return result.stopReason === 'answered' ? 'stop' : 'length';
}

/**
 * Inflow's agent as a model (`inflow-agent`): the last user message is the question, the run is the same as
 * an Ask run (tools, memory, limits, recorded), the answer is the message. The run id comes back in
 * `inflow.run_id` (and the completion id) so the answer can be rated with POST /v1/runs/{id}/feedback; the
 * steps come as `inflow.steps` (whole) or as `inflow.event` on chunks with an empty delta (streamed).
 */
export async function agentCompletion(request: IncomingMessage, response: ServerResponse, ask: AskService, chat: ParsedChatRequest): Promise<void> {
  const question = questionOf(chat);
  const signal = clientGone(request, response);
  const created = Math.floor(Date.now() / 1000);
  let runId = '';
  let seq = 0;
  const trace = (event: AgentEvent): TraceEvent | null => (runId === '' ? null : toTraceEvent(event, runId, seq++));
  const input = {
    question,
    ...(chat.agent.tools === undefined ? {} : { tools: chat.agent.tools }),
    ...(chat.agent.maxSteps === undefined ? {} : { maxSteps: chat.agent.maxSteps }),
    ...(chat.agent.pinnedTools === undefined ? {} : { pinnedTools: chat.agent.pinnedTools }),
  };

  if (!chat.stream) {
    const steps: TraceEvent[] = [];
    const result = await ask.run(input, {
      source: 'api',
      signal,
      onEvent: (event) => {
        if (event.type === 'run-start') runId = event.runId;
        const item = event.type === 'answer-delta' ? null : trace(event);
        if (item !== null) steps.push(item);
      },
    });
    if (signal.aborted) return;
    if (result.stopReason === 'error') {
      throw new HttpError(500, 'agent_run_failed', `The agent run failed: ${result.error ?? 'unknown error'}.`, { extra: { run_id: result.runId } });
    }
    sendJson(
      response,
      200,
      {
        id: `chatcmpl-${result.runId}`,
        object: 'chat.completion',
        created,
        model: agentModelId,
        system_fingerprint: null,
        choices: [
          { index: 0, message: { role: 'assistant', content: result.answer ?? '', refusal: null }, logprobs: null, finish_reason: finishOf(result) },
        ],
        usage: usageOf(result),
        inflow: { run_id: result.runId, task_id: result.taskId, stop_reason: result.stopReason, steps },
      },
      { 'x-inflow-run-id': result.runId },
    );
    return;
  }

  let stream: EventStream | null = null;
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
    stream?.send({
      id: `chatcmpl-${runId}`,
      object: 'chat.completion.chunk',
      created,
      model: agentModelId,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      inflow: { run_id: runId, ...extra },
    });
  const result = await ask.run(input, {
    source: 'api',
    signal,
    onEvent: (event) => {
      if (event.type === 'run-start') {
        runId = event.runId;
        stream = new EventStream(response, { 'x-inflow-run-id': runId });
        chunk({ role: 'assistant', content: '' }, null, { task_id: event.taskId });
      }
      if (event.type === 'answer-delta') {
        chunk({ content: event.text }, null);
        return;
      }
      const item = trace(event);
      if (item !== null && event.type !== 'run-end') chunk({}, null, { event: item });
    },
  });
  const open = stream as EventStream | null;
  if (open === null || !open.open) return;
  chunk({}, finishOf(result), { stop_reason: result.stopReason, ...(result.error === undefined ? {} : { error: result.error }) });
  if (chat.includeUsage)
    open.send({
      id: `chatcmpl-${runId}`,
      object: 'chat.completion.chunk',
      created,
      model: agentModelId,
      choices: [],
      usage: usageOf(result),
      inflow: { run_id: runId },
    });
  open.end();
}
