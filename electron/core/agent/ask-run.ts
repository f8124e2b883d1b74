import type { Backend } from '../backend.ts';
import type { RunAgentOptions } from './agent-options.ts';
import type { ProfileName } from './profiles/prompt-profile.ts';

/** What a front end may set for one question beyond the settings (`inflow ask` flags; the app's per-task step limit). */
export interface AskOverrides {
  profile?: ProfileName;
  maxSteps?: number;
  maxTimeSeconds?: number;
  maxTokens?: number;
}

/**
 * The one rule for a question the user asks, from the app's Ask screen, the local API or `inflow ask`: the facts
 * long-term memory knows about it (5 at most), the prompt profile and the step, time and token limits from the
 * settings unless the front end overrides them, recorded in the run store as a run of kind `ask`. The front ends
 * add their own models, tools, events and approvals.
 */
export function askRunOptions(
  backend: Backend,
  question: string,
  overrides: AskOverrides = {},
): Pick<RunAgentOptions, 'question' | 'knownFacts' | 'profile' | 'limits' | 'store' | 'runKind'> {
  const settings = backend.settings.read();
  return {
    question,
    knownFacts: backend.memory.relevantFacts(question, 5),
    profile: overrides.profile ?? settings.profile,
    limits: {
      maxSteps: overrides.maxSteps ?? settings.limits.maxSteps,
      maxTimeMs: (overrides.maxTimeSeconds ?? settings.limits.maxWallSeconds) * 1000,
      maxTokens: overrides.maxTokens ?? settings.limits.maxTokens,
    },
    store: backend.runs,
    runKind: 'ask',
  };
}
