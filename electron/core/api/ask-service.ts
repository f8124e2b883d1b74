import type { Backend } from '../backend.ts';
import type { ToolInfo } from '../contract/ask.ts';
import type { EventHub } from './event-hub.ts';
import type { SettingsService } from './settings-service.ts';
import type { EngineService } from './engine-service.ts';
import { InflowError } from '../errors.ts';

/**
 * Runs the agent for the Ask screen: one run per question, its events streamed as `run-trace`, each
 * cancellable. Runs are recorded by the agent as they go, so quitting mid-run loses nothing already done.
 */
export class AskService {
  private readonly options: { backend: Backend; settings: SettingsService; engine: EngineService; events: EventHub };
  private readonly active = new Map<string, AbortController>();

  constructor(options: { backend: Backend; settings: SettingsService; engine: EngineService; events: EventHub }) {
    this.options = options;
  }

  async tools(): Promise<ToolInfo[]> {
    return [];
  }

  async start(_input: { question: string; tools?: string[]; maxSteps?: number }): Promise<{ runId: string; taskId: string }> {
    this.options.engine.requirePlanner();
    throw new InflowError('AGENT_UNAVAILABLE', 'The agent runtime is not part of this build yet.', { hint: 'Runs recorded by other tools still show on the Runs screen.' });
  }

  cancel(runId: string): boolean {
    const controller = this.active.get(runId);
    if (controller === undefined) return false;
    controller.abort();
    return true;
  }

  async dispose(): Promise<void> {
    for (const controller of this.active.values()) controller.abort();
  }
}
