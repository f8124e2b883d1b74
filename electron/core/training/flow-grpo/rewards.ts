import type { DatasetItem } from '../../datasets/dataset-store.ts';
import type { Judge } from '../../scoring/judge.ts';
import { scoreAnswer } from '../../scoring/score-answer.ts';

/** A rollout's reward in [0, 1] and how it was decided (stored in the `rewards` table). */
export interface Reward {
  value: number;
  /** The scorer that decided: exact | normalized | numeric | choice | gameof24 | judge | feedback | none. */
  source: string;
  details: Record<string, unknown>;
}

/** How a training run scores an answer to a dataset item (rollouts and held-out evaluation alike). */
export type RewardFunction = (item: DatasetItem, answer: string | null) => Promise<Reward>;

/** Per-dataset reward settings. */
export interface RewardOptions {
  /** Consulted for free-form answers the rules cannot settle (answer kind `judge` or `normalized`). */
  judge?: Judge;
  signal?: AbortSignal;
}

/**
 * The reward of one rollout of a dataset item: the item's answer kind picks the scorer (electron/core/scoring:
 * normalised exact match, numeric equivalence, multiple choice, a Game-of-24 checker that evaluates the
 * expression, or the local judge). A run without an answer (error, step limit) gets 0, as in the reference.
 */
export async function rewardForAnswer(
  item: Pick<DatasetItem, 'question' | 'answer' | 'answerKind' | 'meta'>,
  answer: string | null,
  options: RewardOptions = {},
): Promise<Reward> {
  if (answer === null || answer.trim() === '') return { value: 0, source: 'none', details: { reason: 'the run gave no answer' } };
  const numbers = Array.isArray(item.meta.numbers) ? (item.meta.numbers as number[]) : undefined;
  const choices = Array.isArray(item.meta.choices) ? (item.meta.choices as string[]) : undefined;
  const result = await scoreAnswer(
    {
      response: answer,
      expected: item.answer,
      kind: item.answerKind,
      question: item.question,
      ...(numbers ? { numbers } : {}),
      ...(choices ? { choices } : {}),
    },
    { ...(options.judge ? { judge: options.judge } : {}), ...(options.signal ? { signal: options.signal } : {}) },
  );
  return {
    value: clampReward(result.score),
    source: result.method,
    details: { reason: result.reason, extracted: result.extracted, kind: result.kind },
  };
}

/** The user's thumbs up (1) or down (0) on a past run, as a reward. */
export function feedbackReward(rating: 1 | -1): Reward {
  return { value: rating === 1 ? 1 : 0, source: 'feedback', details: { rating } };
}

function clampReward(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}
