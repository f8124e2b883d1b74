import type { Generation } from '../llm/language-model.ts';
import { acceptedAnswers, inferAnswerKind, type AnswerKind } from './answer-kind.ts';
import { expectedChoice, parseChoices, resolveChoice } from './choice.ts';
import { extractAnswer, extractAnswerSection, extractBoxed, stripAnswerWrappers } from './extract-answer.ts';
import { checkGameOf24, gameOf24ItemNumbers } from './game-of-24.ts';
import type { Judge } from './judge.ts';
import { normalizeAnswer } from './normalize.ts';
import { numbersEqual, parseNumber, proseNumber, type ParsedNumber } from './numeric.ts';

/** What to score: the model's full output (the last `<answer>` span is extracted unless `extract` is false). */
export interface ScoreInput {
  response: string;
  /** The accepted answer(s): a string, a number, or a list (any one matching is enough). */
  expected: unknown;
  /** Inferred from `expected`, `question` and `choices` when omitted. */
  kind?: AnswerKind;
  /** The question; gives the judge context, the Game of 24 numbers and multiple-choice options. */
  question?: string;
  /** Multiple-choice options, e.g. ["A. Oral ulcers", "B. ..."] (else parsed from the question). */
  choices?: readonly string[];
  /** The four Game of 24 numbers (else parsed from the question or the reference expression). */
  numbers?: readonly number[];
  /** Default true: take the last `<answer>...</answer>` span of `response` first. */
  extract?: boolean;
}

export type ScoreMethod = AnswerKind | 'none';

/** A verdict. `score` is 1 or 0 today; the range [0, 1] leaves room for partial credit. */
export interface ScoreResult {
  correct: boolean;
  score: number;
  /** Which scorer decided. */
  method: ScoreMethod;
  /** Why, in words (the judge's analysis when the judge decided). */
  reason: string;
  /** The answer that was compared, after extraction. */
  extracted: string;
  kind: AnswerKind;
  /** The judge's model call, when the judge was consulted. */
  judgeGeneration?: Generation;
}

/** A rule-based verdict; `decided: false` means only a judge can settle it (`correct` is then the strict fallback). */
export interface RuleScore extends Omit<ScoreResult, 'judgeGeneration'> {
  decided: boolean;
}

const verdict = (correct: boolean, method: ScoreMethod, reason: string, decided = true) => ({
  correct,
  score: correct ? 1 : 0,
  method,
  reason,
  decided,
});

function normalizedMatch(answer: string, accepted: readonly string[]) {
  const normalized = normalizeAnswer(answer);
  const hit = accepted.find((expected) => normalizeAnswer(expected) === normalized && normalized !== '');
  return hit === undefined ? null : verdict(true, 'normalized', `matches "${hit}" after normalisation`);
}

function numericVerdict(answer: string, accepted: readonly string[], prose?: ParsedNumber) {
  const actual = prose ?? parseNumber(answer);
  if (actual === null) return null;
  const parsed = accepted.map(parseNumber).filter((n) => n !== null);
  if (parsed.length === 0) return null;
  let reason = '';
  for (const expected of parsed) {
    const result = numbersEqual(expected, actual);
    if (result.equal) return verdict(true, 'numeric', result.reason);
    reason = result.reason;
  }
  return verdict(false, 'numeric', reason);
}

function byKind(kind: AnswerKind, answer: string, accepted: readonly string[], input: ScoreInput) {
  switch (kind) {
    case 'exact': {
      const hit = accepted.find((expected) => expected === answer.trim());
      return hit === undefined
        ? verdict(false, 'exact', `"${answer}" is not exactly any accepted answer`)
        : verdict(true, 'exact', `exactly "${hit}"`);
    }
    case 'gameof24': {
      const numbers = gameOf24ItemNumbers(input.numbers, input.question, accepted);
      if (numbers === null) return verdict(false, 'gameof24', 'the item does not say which four numbers to use');
      const check = checkGameOf24(answer, numbers);
      return verdict(check.correct, 'gameof24', check.reason);
    }
    case 'choice': {
      const options = input.choices !== undefined ? parseChoices(input.choices) : parseChoices(input.question ?? '');
      const expectedLetters = accepted.map((e) => expectedChoice(e, options)).filter((l) => l !== null);
      const chosen = resolveChoice(answer, options);
      if (options.length > 0 && expectedLetters.length > 0 && chosen !== null) {
        const correct = expectedLetters.includes(chosen.letter);
        return verdict(correct, 'choice', `answer names option ${chosen.letter} (by ${chosen.how}); correct: ${expectedLetters.join('/')}`);
      }
      return (
        normalizedMatch(answer, accepted) ??
        verdict(false, 'choice', chosen === null ? 'the answer names none of the options' : 'the correct option is not among the options', false)
      );
    }
    case 'numeric': {
      const exact = numericVerdict(answer, accepted);
      if (exact !== null) return exact;
      const normalized = normalizedMatch(answer, accepted);
      if (normalized !== null) return normalized;
      // Prose: only a text that commits to one number, without negation or hedging, can pass.
      const inProse = proseNumber(answer);
      if (inProse !== null && 'refused' in inProse) return verdict(false, 'numeric', `${inProse.refused}, so the rules do not accept it`, false);
      const prose = inProse === null ? null : numericVerdict(answer, accepted, inProse.number);
      if (prose !== null) return { ...prose, decided: false, reason: `${prose.reason} (last number in the text)` };
      return verdict(false, 'numeric', 'no number found in the answer', false);
    }
    case 'normalized':
    case 'judge': {
      const match = normalizedMatch(answer, accepted);
      if (match !== null) return match;
      if (kind === 'normalized') {
        const numeric = numericVerdict(answer, accepted);
        if (numeric !== null) return numeric;
      }
      return verdict(false, kind, `"${answer}" does not match ${accepted.map((a) => `"${a}"`).join(' or ')}`, false);
    }
  }
}

/**
 * The last `<answer>` span; without one, the last `\boxed{}` (math convention); else the last "Answer:" section
 * of a write-up; else the whole text.
 */
function finalAnswer(response: string): string {
  if (/<answer>/i.test(response)) return extractAnswer(response);
  const boxed = extractBoxed(response);
  if (boxed !== null) return boxed.replace(/^\\text\{([^{}]*)\}$/, '$1');
  return extractAnswerSection(response) ?? extractAnswer(response);
}

/**
 * Scores with the rule-based scorers only (synchronous, no model): use where a judge is not wanted, such as a
 * cheap reward. `decided: false` flags answers the rules cannot settle (they count as wrong here).
 */
export function scoreByRules(input: ScoreInput): RuleScore {
  const kind = input.kind ?? inferAnswerKind({ answer: input.expected, question: input.question, choices: input.choices });
  const extracted = stripAnswerWrappers(input.extract === false ? input.response : finalAnswer(input.response));
  const accepted = acceptedAnswers(input.expected);
  if (accepted.length === 0) return { ...verdict(false, 'none', 'the item has no accepted answer'), extracted, kind };
  if (extracted === '') return { ...verdict(false, kind, 'the response has no answer'), extracted, kind };
  return { ...byKind(kind, extracted, accepted, input), extracted, kind };
}

/**
 * Scores an answer: the rule-based scorers first; when they cannot decide (free-form text that does not match,
 * an option that cannot be identified, prose without a clear number) and a judge is given, the judge decides
 * and its analysis becomes the reason. Without a judge the strict rule verdict stands. Used by evaluation and
 * as the Flow-GRPO reward.
 */
export async function scoreAnswer(input: ScoreInput, options: { judge?: Judge; signal?: AbortSignal } = {}): Promise<ScoreResult> {
  const { decided, ...rules } = scoreByRules(input);
  if (decided || options.judge === undefined) return rules;
  const judged = await options.judge.judge(
    {
      response: rules.extracted,
      expected: acceptedAnswers(input.expected),
      ...(input.question === undefined ? {} : { question: input.question }),
      ...(input.choices === undefined ? {} : { choices: input.choices }),
    },
    options.signal === undefined ? {} : { signal: options.signal },
  );
  return {
    correct: judged.correct,
    score: judged.correct ? 1 : 0,
    method: 'judge',
    reason:
      judged.reason === '' ? (judged.correct ? 'the judge found the answers equivalent' : 'the judge found the answers different') : judged.reason,
    extracted: rules.extracted,
    kind: rules.kind,
    ...(judged.generation === undefined ? {} : { judgeGeneration: judged.generation }),
  };
}
