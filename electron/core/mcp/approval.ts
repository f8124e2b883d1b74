import { InflowError } from '../errors.ts';
import type { Tool } from '../tools/tool.ts';

/** A tool call waiting for the user: what the UI or the terminal shows before they allow or deny it. */
export interface ToolCallApprovalRequest {
  toolName: string;
  /** `builtin` or `mcp:<server>`. */
  source: string;
  input: Record<string, unknown>;
  runId?: string;
}

/** Resolves true to run the call, false to deny it. */
export type ApproveToolCall = (request: ToolCallApprovalRequest) => Promise<boolean>;

/** The tool result a denied call gets, so the planner (and training) sees that the user said no. */
export function deniedCallError(toolName: string): InflowError {
  return new InflowError('TOOL_CALL_DENIED', `The user denied the call to ${toolName}; it was not run.`, {
    hint: 'Choose another way to reach the goal, or answer with what is known.',
  });
}

/**
 * Puts "ask first" in front of the tools that require approval: their `execute` waits for `approve` and throws
 * TOOL_CALL_DENIED (which the agent records as the call's result) when it says no. For agents without an
 * approval hook of their own; with `runAgent({approveToolCall})` pass the tools unwrapped instead, or each call
 * is asked twice. Tools that do not require approval are returned as they are.
 */
export function withApproval(tools: readonly Tool[], approve: ApproveToolCall): Tool[] {
  return tools.map((tool) => {
    if (tool.requiresApproval !== true) return tool;
    return {
      ...tool,
      async execute(input, context) {
        const allowed = await approve({ toolName: tool.name, source: tool.source, input, ...(context.runId === undefined ? {} : { runId: context.runId }) });
        context.signal.throwIfAborted();
        if (!allowed) throw deniedCallError(tool.name);
        return tool.execute(input, context);
      },
    };
  });
}
