import { z } from 'zod';
import { InflowError } from '../../errors.ts';
import type { AdvantageGrouping } from './advantages.ts';
import type { LoraConfig } from '../trainer/trainer-protocol.ts';
import { defaults } from '../../contract/defaults.ts';
import { learningRateAt } from '../trainer/native-trainer-schedule.ts';

/** Every knob of a Flow-GRPO run; defaults follow the AgentFlow reference trainer (lupantech/AgentFlow train/config.yaml with verl 0.5.0 defaults) where they apply. */
export interface TrainingConfig {
  /**
   * 'grpo' (default): Flow-GRPO on rollouts of the dataset's tasks. 'sft': supervised fine-tuning on demonstrations,
   * the planner turns of runs the user gave a thumbs-up (./demonstrations.ts), e.g. to warm-start a planner.
   */
  objective: 'grpo' | 'sft';
  /** Start from this adapter file (e.g. an SFT warm start) instead of a fresh LoRA; null: fresh. */
  initAdapter: string | null;
  /** Rollouts per task (the paper: 8). */
  groupSize: number;
  /** Tasks per step (the reference: 32; small on a laptop). */
  tasksPerStep: number;
  /** Step budget (total steps of the run). */
  steps: number;
  /** Wall-time budget of one invocation, ms (0: none). */
  budgetMs: number;
  temperature: number;
  /**
   * Dynamic sampling (DAPO): at most this many extra tasks per step, drawn while fewer of the step's groups than its
   * tasks are informative (rewards not all equal). 0: off, as in the reference.
   */
  dynamicSampling: number;
  /** Sampling temperature of those extra tasks' groups (0: `temperature`), to explore where the policy is stuck. */
  explorationTemperature: number;
  /**
   * SFT only: stop at the first evaluated step where the planner reproduces every demonstration (asked each
   * demonstrated question again, greedily, it chooses the demonstrated tool at every step; demonstration-replay.ts);
   * `steps` is then the most it may take. Every SFT step reports `demonstrationsReproduced` either way.
   */
  untilReproduced: boolean;
  evalTemperature: number;
  /** Evaluate a candidate on held-out every N steps (and at the last step). */
  evalEvery: number;
  /** Cap on held-out items per evaluation (0: all); the default keeps a 200k-item dataset from evaluating 40k items. */
  evalLimit: number;
  /**
   * Held-out items evaluated at once, on the planner's parallel sequences (0: as many as it has). 1, the default, makes
   * the figure reproducible: the same adapter scores the same every time. llama.cpp's numbers for one sequence shift
   * slightly with the other sequences sharing its batches, enough to flip a greedy choice at a near-tie (docs/training.md,
   * "Held-out evaluation"), so a parallel evaluation can score one adapter differently from run to run.
   */
  evalParallel: number;
  grouping: AdvantageGrouping;
  clipLow: number;
  clipHigh: number;
  /** Dual-clip bound c for negative advantages (0: off); the reference uses 3. */
  dualClip: number;
  /** Optimizer updates per step (PPO mini-batches); the reference: 32 prompts x 8 rollouts in mini-batches of 8 prompts = 4. */
  miniBatches: number;
  /** Passes over a step's samples (PPO epochs; the reference: 1). */
  ppoEpochs: number;
  klBeta: number;
  /** Peak learning rate: every step's with the constant schedule, the first step's with a decaying one. */
  learningRate: number;
  /**
   * How the learning rate moves over the run's `steps` (a pure function of the step, so a resume continues on the same
   * curve): 'constant' (the reference's), or 'cosine' / 'linear' decay from `learningRate` at step 1 to
   * `learningRate * lrMinRatio` at the last step, which lets a run settle where it has learnt instead of being shaken
   * out of it by its last, sparse updates (docs/training.md, "Learning-rate schedule").
   */
  lrSchedule: 'constant' | 'cosine' | 'linear';
  /** Floor of a decaying schedule, as a fraction of `learningRate` (reached at the last step). */
  lrMinRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  lora: LoraConfig;
  /** Promote a candidate automatically when it beats the best held-out accuracy so far. */
  autoPromote: boolean;
  /** Stop when the step reward mean has not improved by `plateauDelta` for this many steps (0: never). */
  plateauPatience: number;
  plateauDelta: number;
  /** Wait while the machine is busy (load average per core above `idleLoad`). */
  onlyWhenIdle: boolean;
  idleLoad: number;
  /** Unload the inference model during updates: always, never, or when the planner says memory is short. */
  unloadDuringUpdate: 'auto' | 'always' | 'never';
  /** Seed of task order and sampling. */
  seed: number;
  /** Shuffle rewards within each step before advantages: a control that must NOT learn. */
  shuffleRewards: boolean;
  /**
   * The rollouts' context size in tokens: the one source of the sample-length limit (the trainer takes samples up to
   * this long; longer ones are truncated or dropped before the update, and counted). Stored with the run.
   */
  contextSize: number;
  /** Agent steps per rollout (the reference trains with 3). Stored with the run, so a resume keeps it. */
  maxAgentSteps: number;
  /** CPU threads of the planner and the trainer (0: the engine's default). Stored with the run. */
  threads: number;
  /** The judge model's GGUF for free-form answers, never the planner's own model (judge-choice.ts); null: rules only. */
  judgeModel: string | null;
}

export const defaultTrainingConfig: TrainingConfig = {
  objective: 'grpo',
  initAdapter: null,
  groupSize: 8,
  tasksPerStep: 4,
  steps: 10,
  budgetMs: 0,
  temperature: 0.7,
  dynamicSampling: 0,
  explorationTemperature: 0,
  untilReproduced: false,
  evalTemperature: 0,
  evalEvery: 1,
  evalLimit: 100,
  evalParallel: 1,
  grouping: 'trajectory',
  clipLow: 0.2,
  clipHigh: 0.3,
  dualClip: 3,
  miniBatches: 4,
  ppoEpochs: 1,
  klBeta: 0.001,
  learningRate: 1e-5,
  lrSchedule: 'constant',
  lrMinRatio: 0.1,
  weightDecay: 0.01,
  maxGradNorm: 1,
  lora: { rank: 16, alpha: 32, targets: ['q', 'k', 'v', 'o'] },
  autoPromote: true,
  plateauPatience: 0,
  plateauDelta: 0.01,
  onlyWhenIdle: false,
  idleLoad: 0.5,
  unloadDuringUpdate: 'auto',
  seed: 42,
  shuffleRewards: false,
  contextSize: defaults.trainingContextSize,
  maxAgentSteps: 3,
  threads: 0,
  judgeModel: null,
};

/** A whole number of at least `min`. */
const intAtLeast = (min: number) => {
  const rule = `an integer ≥ ${min}`;
  return z.number({ error: rule }).int({ error: rule }).min(min, { error: rule });
};
/** A number in a range, with the rule as the message names it. */
const numberWhere = (rule: string, check: (value: number) => boolean) => z.number({ error: rule }).refine(check, { error: rule });

const targetsRule = 'a non-empty list such as q, v (also k, o, gate, up, down)';

/**
 * The rules of a training config, one per checked setting (the others are free). Each message is the rule the
 * TRAINING_CONFIG_INVALID error states after "it must be"; the keys are in the order the settings are checked.
 */
const trainingConfigSchema = z.object({
  groupSize: intAtLeast(2),
  tasksPerStep: intAtLeast(1),
  steps: intAtLeast(1),
  evalEvery: intAtLeast(1),
  evalLimit: intAtLeast(0),
  evalParallel: intAtLeast(0),
  lora: z.object({
    rank: intAtLeast(1),
    targets: z.array(z.string({ error: targetsRule }), { error: targetsRule }).min(1, { error: targetsRule }),
  }),
  miniBatches: intAtLeast(1),
  dynamicSampling: intAtLeast(0),
  explorationTemperature: numberWhere('in [0, 2] (0: the rollout temperature)', (v) => v >= 0 && v <= 2),
  ppoEpochs: intAtLeast(1),
  contextSize: intAtLeast(64),
  maxAgentSteps: intAtLeast(1),
  threads: intAtLeast(0),
  dualClip: numberWhere('0 (off) or above 1 (the reference: 3)', (v) => v === 0 || v > 1),
  temperature: numberWhere('in (0, 2] (rollouts must sample)', (v) => v > 0 && v <= 2),
  learningRate: numberWhere('in (0, 1)', (v) => v > 0 && v < 1),
  lrSchedule: z.enum(['constant', 'cosine', 'linear'], { error: '"constant", "cosine" or "linear"' }),
  lrMinRatio: numberWhere('in [0, 1] (a fraction of the learning rate)', (v) => v >= 0 && v <= 1),
  clipLow: numberWhere('in (0, 1)', (v) => v > 0 && v < 1),
  clipHigh: numberWhere('> 0', (v) => v > 0),
  klBeta: numberWhere('≥ 0', (v) => v >= 0),
  budgetMs: numberWhere('≥ 0', (v) => v >= 0),
  objective: z.enum(['grpo', 'sft'], { error: '"grpo" or "sft"' }),
  grouping: z.enum(['trajectory', 'turn'], { error: '"trajectory" or "turn"' }),
} satisfies Partial<Record<keyof TrainingConfig, z.ZodType>>);

/** Defaults overlaid with `overrides`, checked: throws TRAINING_CONFIG_INVALID naming the bad field. */
export function resolveTrainingConfig(overrides: Partial<TrainingConfig> = {}): TrainingConfig {
  const config: TrainingConfig = { ...defaultTrainingConfig, ...overrides, lora: { ...defaultTrainingConfig.lora, ...overrides.lora } };
  const checked = trainingConfigSchema.safeParse(config);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    // an issue inside a list (a target that is not a string) names the list
    const field = issue.path.filter((key) => typeof key === 'string').join('.');
    throw new InflowError(
      'TRAINING_CONFIG_INVALID',
      `Training setting ${field} is ${JSON.stringify(lookup(config, field))}; it must be ${issue.message}.`,
      { hint: `Fix ${field} and start again.` },
    );
  }
  return config;
}

/**
 * A run's stored configuration. Runs recorded before a setting existed keep the behaviour they started with: one
 * update per step, no dual clip, every held-out item evaluated on every sequence at once, a 4096-token context and 3
 * agent steps.
 */
export function storedTrainingConfig(stored: Partial<TrainingConfig>): TrainingConfig {
  const legacy: Partial<TrainingConfig> = { dualClip: 0, miniBatches: 1, ppoEpochs: 1, evalLimit: 0, evalParallel: 0 };
  return { ...defaultTrainingConfig, ...legacy, ...stored, lora: { ...defaultTrainingConfig.lora, ...stored.lora } };
}

/** The learning rate of training step `step` (1-based) under the run's schedule. */
export function stepLearningRate(config: Pick<TrainingConfig, 'learningRate' | 'lrSchedule' | 'lrMinRatio' | 'steps'>, step: number): number {
  // the trainer's schedule function, over training steps: step 1 at the peak, the last step at the floor
  return learningRateAt(
    { peak: config.learningRate, type: config.lrSchedule, totalSteps: Math.max(1, config.steps - 1), minRatio: config.lrMinRatio },
    step - 1,
  );
}

/** Parses a duration such as 30m, 2h, 90s or 1500 (ms). */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new InflowError('USAGE', `Cannot read the duration "${text}".`, { hint: 'Use a number with a unit: 90s, 30m, 2h.' });
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return value * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
}

function lookup(config: TrainingConfig, field: string): unknown {
  return field.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], config);
}
