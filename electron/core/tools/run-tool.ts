import { InflowError, serializeError, type SerializedError } from '../errors.ts';
import { capValue } from './cap-output.ts';
import type { Tool, ToolContext } from './tool.ts';

export type ToolRunResult =
  { ok: true; output: unknown; truncated: boolean; durationMs: number } | { ok: false; error: SerializedError; durationMs: number };

export interface RunToolOptions {
  signal: AbortSignal;
  runId?: string;
  model?: ToolContext['model'];
  /** Overrides the tool's own limit (never raises it above the tool's). */
  timeoutMs?: number;
}

/**
 * Runs one tool call the way the agent needs it: input validated, a hard wall-clock limit (the tool's
 * signal is aborted and the call is abandoned when it passes), the output cut to the tool's cap, and every
 * failure returned as a value, never thrown, so that it goes into memory and the run goes on. Only the run's
 * own cancellation (the caller's `signal`) is rethrown.
 */
export async function runTool(tool: Tool, input: unknown, options: RunToolOptions): Promise<ToolRunResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  options.signal.throwIfAborted();
  const timeoutMs = Math.min(options.timeoutMs ?? tool.timeoutMs, tool.timeoutMs);
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const validated = tool.validate(input);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new InflowError('TOOL_TIMEOUT', `${tool.name} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`, {
          hint: 'Ask for a smaller piece of work, or raise the tool timeout.',
        });
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    const context: ToolContext = {
      signal: controller.signal,
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.model === undefined ? {} : { model: options.model }),
    };
    const output = await Promise.race([tool.execute(validated, context), timeout, aborted]);
    const capped = capValue(output, tool.maxOutputChars);
    return { ok: true, output: capped.value, truncated: capped.truncated, durationMs: elapsed() };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    const serialized = serializeError(error);
    return { ok: false, error: serialized.code === 'INTERNAL' ? { ...serialized, code: 'TOOL_FAILED' } : serialized, durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}
