import type { StepMetrics } from '../training-store.ts';

/** Why a run is not learning, in words a user can act on. */
export interface LearningWarning {
  code: 'NO_LEARNING_SIGNAL' | 'NO_ADAPTER_WRITTEN' | 'OPTIMIZER_STATE_RESTARTED';
  message: string;
  hint: string;
}

/** Steps in a row without a single informative group before the run says so. */
export const NO_SIGNAL_PATIENCE = 3;

const cause = (rewards: readonly number[]): { why: string; hint: string } => {
  if (rewards.length > 0 && rewards.every((r) => r === 0)) {
    return {
      why: 'every rollout got reward 0: the planner never reaches the reference answer, so there is nothing to reinforce',
      hint: 'Check a few answers (inflow train export) and the answer kind of the dataset; use easier tasks, a larger --group or a higher --temperature so that some rollouts succeed, or warm-start the planner with inflow train --objective sft on demonstrations.',
    };
  }
  if (rewards.length > 0 && rewards.every((r) => r === rewards[0])) {
    return {
      why: `every rollout got the same reward (${rewards[0]}): ${rewards[0] === 1 ? 'the planner already solves these tasks' : 'the reward does not tell better answers from worse'}`,
      hint:
        rewards[0] === 1
          ? 'Train on harder tasks: these are already solved.'
          : 'Use a reward that separates right from wrong answers (an answer kind with a rule, or a judge that is not the trained model).',
    };
  }
  return {
    why: "each task's rollouts all got the same reward as each other (the planner answers every task the same way each time), so every advantage is 0",
    hint: 'Raise --temperature or --group so that rollouts of a task differ, or use more varied tasks.',
  };
};

/**
 * A warning when the last NO_SIGNAL_PATIENCE steps trained on nothing: every group's rewards were equal, so every
 * advantage was 0 and no update was made. `rewards` are those steps' rollout rewards.
 */
export function noSignalWarning(recent: ReadonlyArray<{ step: number; metrics: StepMetrics }>, rewards: readonly number[]): LearningWarning | null {
  if (recent.length < NO_SIGNAL_PATIENCE) return null;
  const last = recent.slice(-NO_SIGNAL_PATIENCE);
  if (!last.every((s) => (s.metrics.samples ?? 0) === 0)) return null;
  const { why, hint } = cause(rewards);
  return { code: 'NO_LEARNING_SIGNAL', message: `No learning in steps ${last[0]!.step}-${last.at(-1)!.step}: ${why}.`, hint };
}

/** At the end of a run that never updated the planner: say so, and why. */
export function noAdapterWarning(stepsRun: number, rewards: readonly number[]): LearningWarning | null {
  if (stepsRun === 0) return null;
  const { why, hint } = cause(rewards);
  return { code: 'NO_ADAPTER_WRITTEN', message: `No adapter was written in ${stepsRun} step${stepsRun === 1 ? '' : 's'}: ${why}.`, hint };
}
