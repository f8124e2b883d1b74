import { stripAnswerWrappers } from './extract-answer.ts';
import { normalizeAnswer } from './normalize.ts';

/** One option of a multiple-choice item. */
export interface ChoiceOption {
  letter: string;
  text: string;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/**
 * Options from a list such as ["A. Hemolytic uremic syndrome", "B. Oral ulcers"] (letters taken from the
 * text when present, else assigned A, B, C... in order), or from lines "A. ..." / "(B) ..." in a question.
 */
export function parseChoices(source: readonly string[] | string): ChoiceOption[] {
  if (typeof source === 'string') {
    const options: ChoiceOption[] = [];
    for (const line of source.split('\n')) {
      const match = /^\s*\(?([A-J])[.):]\s+(.+?)\s*$/.exec(line);
      if (match !== null) options.push({ letter: match[1]!, text: match[2]! });
    }
    return options;
  }
  return source.map((option, index) => {
    const match = /^\s*\(?([A-J])[.):]\s+([\s\S]+?)\s*$/.exec(option);
    return match !== null ? { letter: match[1]!, text: match[2]! } : { letter: String.fromCharCode(65 + index), text: option.trim() };
  });
}

/**
 * Which option an answer names: the option's text ("Colorectal cancer", "C. Colorectal cancer"), its letter
 * ("C", "(C)", "Option C", "answer is C"), an ordinal ("the third option") or its number ("3"). Null when the
 * answer names no option, or names several.
 */
export function resolveChoice(answer: string, options: readonly ChoiceOption[]): { letter: string; how: string } | null {
  const text = stripAnswerWrappers(answer);
  const normalized = normalizeAnswer(text);
  const letters = new Set(options.map((o) => o.letter));
  const byText = options.filter((o) => normalizeAnswer(o.text) === normalized);
  if (byText.length === 1) return { letter: byText[0]!.letter, how: 'option text' };

  const letterPatterns = [
    /^\(?([A-J])\)?(?:[.):]|\s*$)/, // "C", "(C)", "C.", "C) Colorectal cancer"
    /\b(?:[Oo]ption|[Cc]hoice|[Aa]nswer)(?:\s+is)?\s*[:(]?\s*\(?([A-J])\b\)?/, // "Option C", "the answer is (C)", "the correct option is C"
    /^\(?([a-j])\)?\.?$/, // a lone lowercase letter: "c", "(c)"
  ];
  for (const pattern of letterPatterns) {
    const letter = pattern.exec(text)?.[1]?.toUpperCase();
    if (letter !== undefined && letters.has(letter)) {
      const rest = normalizeAnswer(text.replace(pattern, ''));
      const option = options.find((o) => o.letter === letter)!;
      const other = options.find((o) => o.letter !== letter && rest !== '' && normalizeAnswer(o.text) === rest);
      if (other === undefined) return { letter: option.letter, how: 'option letter' };
    }
  }

  const contained = options.filter((o) => {
    const optionText = normalizeAnswer(o.text);
    return optionText.length > 0 && ` ${normalized} `.includes(` ${optionText} `);
  });
  if (contained.length === 1) return { letter: contained[0]!.letter, how: 'option text in the answer' };

  const ordinal = ORDINALS.findIndex((word) => new RegExp(`^(?:the\\s+)?${word}(?:\\s+(?:option|choice|one))?$`, 'i').test(text));
  if (ordinal >= 0 && ordinal < options.length) return { letter: options[ordinal]!.letter, how: 'ordinal' };
  const number = /^(?:option\s*)?#?(\d{1,2})$/i.exec(text)?.[1];
  if (number !== undefined) {
    const index = Number(number) - 1;
    const numericOptions = options.some((o) => normalizeAnswer(o.text) === number);
    if (!numericOptions && index >= 0 && index < options.length) return { letter: options[index]!.letter, how: 'option number' };
  }
  return null;
}

/** The letter of the correct option given the item's expected answer: a letter, "C. text", or the option's text. */
export function expectedChoice(expected: string, options: readonly ChoiceOption[]): string | null {
  const trimmed = expected.trim();
  if (/^[A-J]$/.test(trimmed) && options.some((o) => o.letter === trimmed)) return trimmed;
  return resolveChoice(trimmed, options)?.letter ?? null;
}
