import { acceptedAnswers } from '../scoring/answer-kind.ts';
import { expectedChoice, parseChoices } from '../scoring/choice.ts';
import { gameOf24ItemNumbers, gameOf24Solvable } from '../scoring/game-of-24.ts';
import { parseNumber } from '../scoring/numeric.ts';
import type { DatasetItemInput } from './dataset-format.ts';

/**
 * Why an item can never score (every rollout would get reward 0 whatever the planner does), or null when it
 * can: a Game of 24 item whose four numbers cannot be read or cannot make 24, a numeric item whose answer is
 * no number, a multiple-choice item without options or whose answer names none of them. Such items only
 * dilute training, so imports refuse them (or leave them out when asked), naming each.
 */
export function unscorableReason(item: Pick<DatasetItemInput, 'question' | 'answer' | 'answerKind' | 'meta'>): string | null {
  const accepted = acceptedAnswers(item.answer);
  const meta = item.meta ?? {};
  switch (item.answerKind) {
    case 'gameof24': {
      const given = Array.isArray(meta.numbers) && meta.numbers.every((n) => typeof n === 'number') ? (meta.numbers as number[]) : undefined;
      const numbers = gameOf24ItemNumbers(given, item.question, accepted);
      if (numbers === null)
        return 'its four numbers cannot be read (write them in the question as [a, b, c, d], or give "question" as a list of four numbers)';
      if (!gameOf24Solvable(numbers)) return `no expression over [${numbers.join(', ')}] makes 24`;
      return null;
    }
    case 'numeric': {
      const bad = accepted.filter((answer) => parseNumber(answer) === null);
      return bad.length === accepted.length
        ? `its answer ${accepted.map((a) => JSON.stringify(a)).join(' / ')} is not a number (use answer_kind "normalized" for text)`
        : null;
    }
    case 'choice': {
      const options = Array.isArray(meta.choices) ? parseChoices(meta.choices.map(String)) : parseChoices(item.question);
      if (options.length < 2) return 'it has no options (an "options" list, or lines "A. …" in the question)';
      if (accepted.every((answer) => expectedChoice(answer, options) === null))
        return `its answer ${accepted.map((a) => JSON.stringify(a)).join(' / ')} names none of its options`;
      return null;
    }
    default:
      return null;
  }
}
