import { InflowError } from '../errors.ts';
import type { StopReason } from '../store/run-store.ts';
import type { AgentUsage } from './agent-events.ts';

export interface AgentLimits {
  /** Action steps (planner → tool → verifier) at most. Default 10, as the reference's eval. */
  maxSteps: number;
  /** Wall-clock limit of the whole run, enforced while a step runs (the step is aborted). Default 300 s. */
  maxTimeMs: number;
  /** Prompt + response tokens of all module calls. Default 200,000. */
  maxTokens: number;
  /** Extra time the final answer may take after the time limit stopped the loop. Default 30 s. */
  answerGraceMs?: number;
}

export const defaultLimits: AgentLimits = { maxSteps: 10, maxTimeMs: 300_000, maxTokens: 200_000, answerGraceMs: 30_000 };

/** Thrown inside the loop to end it with a stated reason. */
export class RunStop extends Error {
  readonly reason: StopReason;
  constructor(reason: StopReason, message: string) {
    super(message);
    this.name = 'RunStop';
    this.reason = reason;
  }
}

/**
 * Tracks a run's limits. `signal` aborts when the user cancels or the wall-clock limit passes, so a model
 * call or tool call in progress stops at once; token use is checked before each call and caps the call's
 * response length, so the budget is also enforced in the middle of a step.
 */
export class RunBudget {
  readonly limits: AgentLimits;
  readonly usage: AgentUsage = { promptTokens: 0, responseTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 };
  readonly startedAt = performance.now();
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly userSignal: AbortSignal | undefined;
  private readonly onUserAbort: () => void;

  constructor(limits: AgentLimits, userSignal?: AbortSignal) {
    this.limits = limits;
    this.userSignal = userSignal;
    this.onUserAbort = () => this.controller.abort(new RunStop('cancelled', 'Cancelled by the user.'));
    if (userSignal?.aborted) this.onUserAbort();
    userSignal?.addEventListener('abort', this.onUserAbort, { once: true });
    this.timer = setTimeout(() => {
      this.controller.abort(new RunStop('time_limit', `The run reached its time limit of ${Math.round(limits.maxTimeMs / 1000)} s.`));
    }, limits.maxTimeMs);
    this.timer.unref?.();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Throws the stop that ended the run, if any: cancellation, time, or tokens. */
  check(): void {
    if (this.controller.signal.aborted) throw this.stopFromAbort();
    if (this.usage.totalTokens >= this.limits.maxTokens) {
      throw new RunStop('token_limit', `The run used its token budget of ${this.limits.maxTokens} tokens.`);
    }
  }

  /** Tokens a call may still generate. */
  remainingTokens(): number {
    return Math.max(0, this.limits.maxTokens - this.usage.totalTokens);
  }

  addModelCall(promptTokens: number, responseTokens: number): void {
    this.usage.promptTokens += promptTokens;
    this.usage.responseTokens += responseTokens;
    this.usage.totalTokens += promptTokens + responseTokens;
    this.usage.modelCalls += 1;
  }

  /** The RunStop matching why `signal` aborted (or an error that is not about limits). */
  stopFromAbort(): RunStop {
    const reason: unknown = this.controller.signal.reason;
    if (reason instanceof RunStop) return reason;
    return new RunStop('cancelled', InflowError.isInstance(reason) ? reason.message : 'Cancelled.');
  }

  /** A signal for the final answer: the user can still cancel; the time limit is extended by the grace time. */
  answerSignal(): AbortSignal {
    const grace = this.limits.answerGraceMs ?? defaultLimits.answerGraceMs!;
    const remaining = Math.max(0, this.limits.maxTimeMs - this.elapsedMs());
    const signals = [AbortSignal.timeout(Math.max(1, remaining + grace))];
    if (this.userSignal) signals.push(this.userSignal);
    return AbortSignal.any(signals);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.userSignal?.removeEventListener('abort', this.onUserAbort);
  }
}
