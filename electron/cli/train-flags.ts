import type { TrainingConfig } from '../core/training/flow-grpo/training-config.ts';
import { parseDuration } from '../core/training/flow-grpo/training-config.ts';
import { numberFlag } from './flag-values.ts';

/** `inflow train`'s flags as training-config overrides (resolveTrainingConfig checks them). */
export function configFrom(values: Record<string, string | boolean | undefined>): Partial<TrainingConfig> {
  // a flag that is not a number is refused here by name; the ranges are the training config's rules
  const num = (key: string) => numberFlag(typeof values[key] === 'string' ? values[key] : undefined, key);
  const config: Partial<TrainingConfig> = {};
  const set = <K extends keyof TrainingConfig>(key: K, value: TrainingConfig[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  set('groupSize', num('group'));
  set('steps', num('steps'));
  set('tasksPerStep', num('tasks-per-step'));
  set('temperature', num('temperature'));
  set('learningRate', num('lr'));
  if (typeof values['lr-schedule'] === 'string') config.lrSchedule = values['lr-schedule'] as TrainingConfig['lrSchedule'];
  set('lrMinRatio', num('lr-min-ratio'));
  set('evalEvery', num('eval-every'));
  set('evalLimit', num('eval-limit'));
  set('evalParallel', num('eval-parallel'));
  set('plateauPatience', num('plateau'));
  set('seed', num('seed'));
  set('miniBatches', num('mini-batches'));
  set('dynamicSampling', num('dynamic-sampling'));
  set('explorationTemperature', num('explore-temperature'));
  if (typeof values.objective === 'string') config.objective = values.objective as TrainingConfig['objective'];
  set('ppoEpochs', num('epochs'));
  set('dualClip', num('dual-clip'));
  set('contextSize', num('context'));
  set('maxAgentSteps', num('max-steps'));
  set('threads', num('threads'));
  if (typeof values.budget === 'string') config.budgetMs = parseDuration(values.budget);
  if (typeof values.grouping === 'string') config.grouping = values.grouping as TrainingConfig['grouping'];
  if (values['only-when-idle']) config.onlyWhenIdle = true;
  if (values['no-promote']) config.autoPromote = false;
  if (values['shuffle-rewards']) config.shuffleRewards = true;
  if (values['until-reproduced']) config.untilReproduced = true;
  if (values.rank !== undefined || values.alpha !== undefined || values.targets !== undefined) {
    config.lora = {
      rank: num('rank') ?? 16,
      alpha: num('alpha') ?? 2 * (num('rank') ?? 16),
      targets:
        typeof values.targets === 'string'
          ? values.targets
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
          : ['q', 'k', 'v', 'o'],
    };
  }
  return config;
}
