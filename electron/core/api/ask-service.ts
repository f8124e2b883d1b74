import type { Backend } from '../backend.ts';
import type { ToolApprovalView, ToolInfo } from '../contract/ask.ts';
import { toTraceEvent } from './trace-event.ts';
import type { ToolApprovalRequest } from '../agent/run-agent.ts';
import { newId } from '../store/ids.ts';
import type { Settings } from '../contract/settings.ts';
import type { EventHub } from './event-hub.ts';
import type { SettingsService } from './settings-service.ts';
import type { EngineService } from './engine-service.ts';
import type { Tool } from '../tools/tool.ts';
import type { AgentEvent } from '../agent/agent-events.ts';
import { runAgent, type AgentModels, type RunAgentResult as AgentResult } from '../agent/run-agent.ts';
import { InflowError } from '../errors.ts';
import { askRunOptions, type AskOverrides } from '../agent/ask-run.ts';
import { toolLabel } from './tool-source.ts';

/** The tools a run may use under the current settings, and those that are off with the reason. */
export interface ToolSet {
  tools: Tool[];
  absent: Array<{ name: string; reason: string }>;
}
export type ToolSource = (settings: Settings) => Promise<ToolSet>;
export interface AskInput {
  question: string;
  tools?: string[];
  maxSteps?: number;
  /** A demonstration: the planner's tool at each step, in order (agent-options.ts). */
  pinnedTools?: string[];
}

/**
 * What a front end other than the app may choose for one run (`inflow ask`'s flags): its own models (instead of the
 * settings' models on the engine), its own tool set (instead of the tool source), the profile and limits over the
 * settings, a sampling seed. Everything else (memory, recording, events, cancellation) is the Ask screen's.
 */
export interface AskChoices {
  models?: { models: AgentModels; plannerId: string; adapterId: string | null };
  toolSet?: ToolSet;
  overrides?: AskOverrides;
  seed?: number;
}
type AskHooks = {
  onEvent?: (event: AgentEvent) => void;
  signal?: AbortSignal;
  source: string;
  approve?: (request: ToolApprovalRequest, signal: AbortSignal) => Promise<boolean>;
} & AskChoices;

interface ActiveRun {
  controller: AbortController;
  done: Promise<unknown> | null;
}

interface PendingApproval {
  view: ToolApprovalView;
  resolve: (allow: boolean) => void;
}

/**
 * Runs the agent for the Ask screen: one run per question, its events streamed as `run-trace`, each
 * cancellable. The agent records every step and module call as it happens, so quitting mid-run loses
 * nothing already done; `dispose` cancels open runs and waits until they are recorded as cancelled.
 */
export class AskService {
  private readonly options: { backend: Backend; settings: SettingsService; engine: EngineService; events: EventHub; toolSource: ToolSource };
  private readonly active = new Map<string, ActiveRun>();
  private readonly approvals = new Map<string, PendingApproval>();

  constructor(options: { backend: Backend; settings: SettingsService; engine: EngineService; events: EventHub; toolSource: ToolSource }) {
    this.options = options;
  }

  async tools(): Promise<ToolInfo[]> {
    const set = await this.options.toolSource(this.options.settings.read());
    return [
      ...set.tools.map((tool) => ({
        name: tool.name,
        label: toolLabel(tool.name),
        description: tool.description,
        available: true,
        reason: null,
        defaultEnabled: true,
      })),
      ...set.absent.map((tool) => ({
        name: tool.name,
        label: toolLabel(tool.name),
        description: '',
        available: false,
        reason: tool.reason,
        defaultEnabled: false,
      })),
    ];
  }

  /** Starts a run and resolves once it is recorded (its id known); the rest arrives as events. */
  async start(input: AskInput): Promise<{ runId: string; taskId: string }> {
    const launched = await this.launch(input, { source: 'desktop' });
    launched.done.catch(() => undefined);
    return launched.started;
  }

  /**
   * A run for another program (the local API): the same tools, memory, limits and recording as Ask, the
   * agent's own events to `onEvent`, cancelled by `signal`; "ask first" tools are denied (nobody is there to
   * ask; the denial is recorded). The trace also goes to `run-trace` as for Ask runs. Resolves with the result.
   */
  async run(input: AskInput, hooks: { onEvent?: (event: AgentEvent) => void; signal?: AbortSignal; source: string }): Promise<AgentResult> {
    const launched = await this.launch(input, { ...hooks, approve: async () => false });
    return launched.done;
  }

  /**
   * `inflow ask`: the same run as the Ask screen's (this service's one path to the agent), with the terminal's
   * choices (models, tools, profile, limits, seed) and its approver. Resolves with the result.
   */
  async runWith(input: AskInput, hooks: AskHooks): Promise<AgentResult> {
    const launched = await this.launch(input, hooks);
    return launched.done;
  }

  private async launch(
    input: AskInput,
    hooks: AskHooks,
  ): Promise<{ started: Promise<{ runId: string; taskId: string }>; done: Promise<AgentResult> }> {
    const settings = this.options.settings.read();
    const { models, plannerId, adapterId } = hooks.models ?? (await this.options.engine.agentModels());
    const set = hooks.toolSet ?? (await this.options.toolSource(settings));
    const wanted = input.tools === undefined ? null : new Set(input.tools);
    const unknown =
      input.tools?.filter((name) => !set.tools.some((tool) => tool.name === name) && !set.absent.some((tool) => tool.name === name)) ?? [];
    if (unknown.length > 0)
      throw new InflowError('UNKNOWN_TOOL', `Unknown tool${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, {
        hint: 'Pick tools from the list under the task box.',
      });
    const tools = set.tools.filter((tool) => wanted === null || wanted.has(tool.name));
    const absentTools = [
      ...set.absent.map((tool) => ({ name: tool.name, reason: tool.reason })),
      ...set.tools.filter((tool) => !tools.includes(tool)).map((tool) => ({ name: tool.name, reason: 'turned off by the user for this task' })),
    ];
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort();
    hooks.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (hooks.signal?.aborted === true) controller.abort();
    let seq = 0;
    let runId: string | null = null;
    const emit = (event: AgentEvent) => {
      if (event.type === 'run-start') runId = event.runId;
      if (runId === null) return;
      const trace = toTraceEvent(event, runId, seq++);
      if (trace !== null) this.options.events.emit('run-trace', trace);
    };
    const entry: ActiveRun = { controller, done: null };
    let resolveStarted!: (value: { runId: string; taskId: string }) => void;
    let rejectStarted!: (error: unknown) => void;
    const started = new Promise<{ runId: string; taskId: string }>((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    const done = runAgent({
      ...askRunOptions(this.options.backend, input.question, {
        ...hooks.overrides,
        ...(input.maxSteps === undefined ? {} : { maxSteps: input.maxSteps }),
      }),
      ...(hooks.seed === undefined ? {} : { seed: hooks.seed }),
      ...(input.pinnedTools === undefined ? {} : { pinnedTools: input.pinnedTools }),
      models,
      tools,
      absentTools,
      runConfig: {
        plannerModel: plannerId,
        adapterId,
        tools: tools.map((tool) => tool.name),
        source: hooks.source,
        ...(input.pinnedTools === undefined ? {} : { pinnedTools: input.pinnedTools }),
      },
      signal: controller.signal,
      approveToolCall: (request) => (hooks.approve ?? ((r, s) => this.askApproval(r, s)))(request, controller.signal),
      onEvent: (event) => {
        emit(event);
        try {
          hooks.onEvent?.(event);
        } catch {
          /* a listener never affects the run */
        }
        if (event.type === 'run-start') {
          this.active.set(event.runId, entry);
          resolveStarted({ runId: event.runId, taskId: event.taskId });
        }
      },
    })
      .then(
        (result) => {
          this.active.delete(result.runId);
          return result;
        },
        (error: unknown) => {
          if (runId !== null) this.active.delete(runId);
          rejectStarted(error);
          throw error;
        },
      )
      .finally(() => hooks.signal?.removeEventListener('abort', onOuterAbort));
    entry.done = done.catch(() => undefined);
    // run and runWith answer through `done`; start() still sees `started` reject. Observed here, so that a run
    // refused before it starts never leaves an unhandled rejection.
    started.catch(() => undefined);
    return { started, done };
  }

  /** The user's answer to a pending "ask first" tool call; false when it was already answered or the run ended. */
  approve(requestId: string, allow: boolean): boolean {
    const pending = this.approvals.get(requestId);
    if (pending === undefined) return false;
    pending.resolve(allow);
    return true;
  }

  private askApproval(request: ToolApprovalRequest, signal: AbortSignal): Promise<boolean> {
    const view: ToolApprovalView = {
      requestId: newId('apr'),
      runId: request.runId,
      step: request.step,
      toolName: request.toolName,
      source: request.tool.source,
      input: request.input,
      state: 'pending',
    };
    return new Promise<boolean>((resolve) => {
      const settle = (allow: boolean) => {
        if (!this.approvals.delete(view.requestId)) return;
        signal.removeEventListener('abort', onAbort);
        this.options.events.emit('tool-approval', { ...view, state: allow ? 'allowed' : 'denied' });
        resolve(allow);
      };
      const onAbort = () => settle(false);
      this.approvals.set(view.requestId, { view, resolve: settle });
      signal.addEventListener('abort', onAbort, { once: true });
      this.options.events.emit('tool-approval', view);
    });
  }

  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (run === undefined) return false;
    run.controller.abort();
    return true;
  }

  /** Cancels running runs and waits until each has recorded its end. */
  async dispose(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) run.controller.abort();
    await Promise.allSettled(runs.map((run) => run.done ?? Promise.resolve()));
  }
}
