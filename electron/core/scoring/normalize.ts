/**
 * Text normalisation for answer comparison (SQuAD-style, extended): case, accents, punctuation, articles,
 * currency symbols, thousands separators and whitespace do not change what an answer says.
 * "The Formation of Vegetable Mould…" and "formation of vegetable mould" normalise alike; "1,000" and "1000" too.
 */
export function normalizeAnswer(text: string): string {
  let value = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  value = value.replace(/\\text\{([^}]*)\}/g, '$1');
  // Dotted abbreviations read as one word: "u.s.a." -> "usa".
  value = value.replace(/\b(?:[a-z]\.){2,}/g, (abbreviation) => abbreviation.replace(/\./g, ''));
  // Thousands separators inside numbers: 1,000,000 -> 1000000 (but not "1, 2" lists).
  value = value.replace(/(\d),(?=\d{3}(?:\D|$))/g, '$1');
  value = value.replace(/[$€£¥₹]/g, ' ');
  // Keep a decimal point between digits; every other punctuation mark becomes a space.
  value = value.replace(/(\d)\.(\d)/g, '$1\u0000$2');
  value = value.replace(/[\p{P}\p{S}]+/gu, ' ');
  value = value.replace(/\u0000/g, '.');
  value = value
    .replace(/\b(?:a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // An answer made only of symbols ("↓ ↑ ↓") keeps them rather than normalising to nothing.
  return value === '' ? text.toLowerCase().replace(/\s+/g, ' ').trim() : value;
}

/** Units and currency words that may trail or lead a number without changing it ("$5", "5 dollars", "12 km"). */
const UNIT_WORDS = new Set([
  'dollar',
  'dollars',
  'usd',
  'euro',
  'euros',
  'eur',
  'pound',
  'pounds',
  'gbp',
  'yen',
  'cent',
  'cents',
  'percent',
  'km',
  'kilometers',
  'kilometres',
  'm',
  'meters',
  'metres',
  'cm',
  'mm',
  'mi',
  'mile',
  'miles',
  'kg',
  'g',
  'grams',
  'lb',
  'lbs',
  'degree',
  'degrees',
  'deg',
  'sec',
  's',
  'second',
  'seconds',
  'min',
  'minute',
  'minutes',
  'h',
  'hr',
  'hour',
  'hours',
  'day',
  'days',
  'year',
  'years',
  'units',
  'unit',
  'mph',
  'kmh',
]);

/** Whether a word is a unit or currency word that can be dropped next to a number. */
export function isUnitWord(word: string): boolean {
  return UNIT_WORDS.has(word.toLowerCase().replace(/\.$/, ''));
}
