import { parseChoices } from './choice.ts';
import { parseGameOf24Numbers } from './game-of-24.ts';
import { parseNumber } from './numeric.ts';

/**
 * How an answer is checked.
 * - exact: the trimmed answer equals an accepted answer character for character.
 * - normalized: equal after normalisation (case, punctuation, articles, currency, 1,000 = 1000), or as numbers;
 *   a mismatch goes to the judge when there is one.
 * - numeric: mathematically equal numbers (1/2 = 0.5, 50% = 0.5, \frac, \boxed).
 * - choice: the same option of a multiple-choice item, by letter, text, ordinal or number.
 * - gameof24: a valid expression over the item's four numbers equal to 24.
 * - judge: free-form; a normalised match is accepted, anything else is decided by the judge.
 */
export type AnswerKind = 'exact' | 'normalized' | 'numeric' | 'choice' | 'gameof24' | 'judge';

export const answerKinds: readonly AnswerKind[] = ['exact', 'normalized', 'numeric', 'choice', 'gameof24', 'judge'];

export function isAnswerKind(value: unknown): value is AnswerKind {
  return typeof value === 'string' && (answerKinds as readonly string[]).includes(value);
}

/** The accepted answers of an item as strings: a string, a number, a boolean, or a list of them. Empty entries are dropped. */
export function acceptedAnswers(expected: unknown): string[] {
  const list = Array.isArray(expected) ? expected : [expected];
  return list
    .filter((value): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value) && String(value).trim() !== '')
    .map((value) => String(value).trim());
}

/** The fields of a benchmark item (any JSON object) that decide its answer kind. */
export interface KindHints {
  answer?: unknown;
  question?: unknown;
  query?: unknown;
  options?: unknown;
  choices?: unknown;
  answer_kind?: unknown;
  answerKind?: unknown;
  kind?: unknown;
}

/**
 * The answer kind an item most likely needs, from its shape: an explicit `answer_kind`/`kind`; options or
 * lettered option lines → choice; four numbers and a "24" instruction → gameof24; numbers → numeric;
 * anything else → normalized (with the judge behind it when one is configured).
 */
export function inferAnswerKind(item: KindHints): AnswerKind {
  for (const explicit of [item.answer_kind, item.answerKind, item.kind]) if (isAnswerKind(explicit)) return explicit;
  const options = item.options ?? item.choices;
  if (Array.isArray(options) && options.length > 1) return 'choice';
  const text = [item.query, item.question].filter((v): v is string => typeof v === 'string').join('\n');
  if (
    (Array.isArray(item.question) && parseGameOf24Numbers(item.question) !== null) ||
    (/\b24\b/.test(text) && /expression|game of 24/i.test(text) && parseGameOf24Numbers(text) !== null)
  ) {
    return 'gameof24';
  }
  if (parseChoices(text).length > 1 && /option|choice|choose/i.test(text)) return 'choice';
  const answers = acceptedAnswers(item.answer);
  if (answers.length > 0 && answers.every((answer) => /^[-+]?[\d,]*\.?\d+(?:\/\d+)?%?$/.test(answer) && parseNumber(answer) !== null))
    return 'numeric';
  return 'normalized';
}
