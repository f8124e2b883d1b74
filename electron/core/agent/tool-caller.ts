import type { GenerateRequest, Generation, LanguageModel } from '../llm/language-model.ts';
import type { RunStore } from '../store/run-store.ts';
import { runTool } from '../tools/run-tool.ts';
import type { Tool } from '../tools/tool.ts';
import type { AgentEvent } from './agent-events.ts';
import type { ToolApprovalRequest } from './agent-options.ts';
import type { RunBudget } from './run-budget.ts';

export interface ToolCallerOptions {
  budget: RunBudget;
  runId: string;
  emit: (event: AgentEvent) => void;
  store?: RunStore;
  /** The model tools may use (the run's generator model). */
  model: LanguageModel;
  approveToolCall?: (request: ToolApprovalRequest) => Promise<boolean>;
}

export type ToolCaller = (step: number, tool: Tool, input: Record<string, unknown>, command: string) => Promise<unknown>;

/**
 * One tool call of a step, returning what goes into memory: asks for approval when the tool needs it (a
 * denied call, or one no one could be asked about, becomes `{denied: true, message}`), runs the tool with its
 * timeout and output cap under the run's signal, turns a failure into "Error: ..." text, emits tool-call and
 * tool-result, and records a `tool` module call. Only the run's own stop (limit, cancellation) is thrown.
 */
export function createToolCaller(options: ToolCallerOptions): ToolCaller {
  const { budget, runId, emit, store } = options;
  return async (step, tool, input, command) => {
    budget.check();
    emit({ type: 'tool-call', step, toolName: tool.name, input, command });
    const startedAt = Date.now();
    if (tool.requiresApproval) {
      const approved = options.approveToolCall
        ? await raceAbort(options.approveToolCall({ runId, step, toolName: tool.name, input, tool }), budget)
        : false;
      if (!approved) {
        const denied = {
          denied: true,
          message: options.approveToolCall
            ? `The user denied this call of ${tool.name}.`
            : `${tool.name} needs the user's approval and no one could be asked.`,
        };
        emit({
          type: 'tool-result',
          step,
          toolName: tool.name,
          ok: false,
          error: { code: 'TOOL_DENIED', message: denied.message },
          durationMs: 0,
          truncated: false,
        });
        store?.recordModuleCall({
          runId,
          stepIdx: step,
          module: 'tool',
          promptText: JSON.stringify(input),
          responseText: JSON.stringify(denied),
          startedAt,
          durationMs: 0,
          meta: { tool: tool.name, ok: false, denied: true },
        });
        return denied;
      }
    }
    budget.usage.toolCalls += 1;
    let outcome;
    try {
      outcome = await runTool(tool, input, { signal: budget.signal, runId, model: budgetedModel(options, step, tool.name) });
    } catch {
      throw budget.stopFromAbort();
    }
    const value = outcome.ok ? outcome.output : `Error: ${outcome.error.message}`;
    emit({
      type: 'tool-result',
      step,
      toolName: tool.name,
      ok: outcome.ok,
      ...(outcome.ok ? { output: outcome.output } : { error: { code: outcome.error.code, message: outcome.error.message } }),
      durationMs: outcome.durationMs,
      truncated: outcome.ok && outcome.truncated,
    });
    store?.recordModuleCall({
      runId,
      stepIdx: step,
      module: 'tool',
      promptText: JSON.stringify(input),
      responseText: JSON.stringify(value),
      startedAt,
      durationMs: outcome.durationMs,
      meta: { tool: tool.name, ok: outcome.ok, ...(outcome.ok ? { truncated: outcome.truncated } : { error: outcome.error }) },
    });
    return value;
  };
}

async function raceAbort<T>(promise: Promise<T>, budget: RunBudget): Promise<T> {
  budget.check();
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => budget.signal.addEventListener('abort', () => reject(budget.stopFromAbort()), { once: true })),
  ]);
}

/**
 * The model a tool may call (the generalist, the Python coder, page summaries), held to the run's budget:
 * its response is capped by the tokens left, its tokens count towards the run, and each call is recorded
 * as a `tool` module call (meta.inner) so the trace shows what the tool asked its model.
 */
function budgetedModel(options: ToolCallerOptions, step: number, toolName: string): LanguageModel {
  const { budget, model } = options;
  return {
    id: model.id,
    adapterId: model.adapterId,
    contextSize: model.contextSize,
    countTokens: (text) => model.countTokens(text),
    async generate(request: GenerateRequest): Promise<Generation> {
      budget.check();
      const cap = Math.max(1, Math.min(request.sampling?.maxTokens ?? Infinity, budget.remainingTokens()));
      const startedAt = Date.now();
      const started = performance.now();
      const generation = await model.generate({ ...request, sampling: { ...request.sampling, maxTokens: cap } });
      const usage = (generation as { usage?: { promptTokens: number; responseTokens: number } }).usage;
      budget.addModelCall(
        generation.promptTokens.length || (usage?.promptTokens ?? 0),
        generation.responseTokens.length || (usage?.responseTokens ?? 0),
      );
      options.store?.recordModuleCall({
        runId: options.runId,
        stepIdx: step,
        module: 'tool',
        modelId: generation.modelId,
        adapterId: generation.adapterId,
        promptText: generation.promptText,
        responseText: generation.text,
        promptTokens: generation.promptTokens,
        responseTokens: generation.responseTokens,
        responseLogprobs: generation.responseLogprobs,
        startedAt,
        durationMs: performance.now() - started,
        meta: { tool: toolName, inner: true, stopReason: generation.stopReason },
      });
      return generation;
    },
  };
}
