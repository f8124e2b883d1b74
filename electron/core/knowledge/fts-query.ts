const stopwords = new Set(
  'a an and are as at be by for from has have how i in is it of on or that the this to was were what when where which who why will with does do did you your me my we our'.split(
    ' ',
  ),
);

/**
 * An FTS5 MATCH expression for free text: its words (letters and digits, lower-cased, stop words dropped
 * unless nothing else is left), each quoted so no FTS5 syntax can be injected, joined with OR so that BM25
 * ranks passages with more (and rarer) of the words first. `prefix` also matches longer forms (live → lives),
 * for indexes without stemming; `skip` drops more words (too common in the index), unless nothing else is
 * left. Undefined when the text has no words.
 */
export function ftsQuery(text: string, options: { prefix?: boolean; skip?: ReadonlySet<string> } = {}): string | undefined {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = words.filter((word) => !stopwords.has(word) && !options.skip?.has(word));
  const chosen = (content.length > 0 ? content : words).slice(0, 32);
  if (chosen.length === 0) return undefined;
  return chosen.map((word) => (options.prefix && word.length >= 3 ? `"${word}"*` : `"${word}"`)).join(' OR ');
}
