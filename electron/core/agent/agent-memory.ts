import { capStrings } from '../tools/cap-output.ts';
import { pythonRepr } from './python-repr.ts';

/** One action step, as the reference's `Memory.add_action` stores it. */
export interface MemoryAction {
  toolName: string | null;
  subGoal: string;
  command: string;
  result: unknown;
}

export type MemoryFormat = 'python' | 'json';

/**
 * The per-run memory of action steps. A new one is made for every run (the reference reused one memory
 * across training tasks, leaking stale steps into new prompts; this cannot happen here). It renders the
 * reference's dict `{"Action Step 1": {tool_name, sub_goal, command, result}}` within a character budget:
 * long results are cut, older steps first, so prompts fit the model's context.
 */
export class AgentMemory {
  readonly actions: MemoryAction[] = [];

  add(action: MemoryAction): void {
    this.actions.push(action);
  }

  get size(): number {
    return this.actions.length;
  }

  toRecord(resultLimit?: (index: number) => number): Record<string, Record<string, unknown>> {
    const record: Record<string, Record<string, unknown>> = {};
    this.actions.forEach((action, index) => {
      const limit = resultLimit?.(index);
      record[`Action Step ${index + 1}`] = {
        tool_name: action.toolName,
        sub_goal: action.subGoal,
        command: limit === undefined ? action.command : capStrings(action.command, Math.max(200, limit)),
        result: limit === undefined ? action.result : capStrings(action.result, limit),
      };
    });
    return record;
  }

  /**
   * The memory as prompt text within `maxChars`. Results are cut by halving a per-string limit; the newest
   * step keeps four times the limit of older ones, since the next decision depends on it most.
   */
  render(format: MemoryFormat, maxChars: number): string {
    const serialize = (value: unknown) => (format === 'python' ? pythonRepr(value) : JSON.stringify(value, null, 1));
    if (this.actions.length === 0) return format === 'python' ? '{}' : '(none yet)';
    let text = serialize(this.toRecord());
    let limit = Math.max(64, Math.floor(maxChars / 2));
    const newest = this.actions.length - 1;
    while (text.length > maxChars && limit > 16) {
      const current = limit;
      text = serialize(this.toRecord((index) => (index === newest ? current * 4 : current)));
      limit = Math.floor(limit / 2);
    }
    return text.length > maxChars ? `${text.slice(0, maxChars - 20)}… [memory cut]` : text;
  }
}
