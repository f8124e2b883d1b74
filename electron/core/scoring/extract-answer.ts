/**
 * Pulls the final answer out of a model's free-form output, the way AgentFlow's evaluation does: the LAST
 * `<answer>...</answer>` span wins (models often quote the tag while reasoning). Without a complete span the
 * whole text is the answer, trimmed.
 */
export function extractAnswer(text: string): string {
  const spans = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/gi)];
  const last = spans.at(-1);
  if (last !== undefined) return (last[1] ?? '').trim();
  // An opened but never closed tag (generation cut off): take what follows the last opening tag.
  const open = text.toLowerCase().lastIndexOf('<answer>');
  if (open >= 0) return text.slice(open + '<answer>'.length).trim();
  return text.trim();
}

/**
 * The content of the last `\boxed{...}` (or `\fbox{...}`), with nested braces balanced; null when absent.
 * Math answers are conventionally boxed, so scorers prefer this over the surrounding prose.
 */
export function extractBoxed(text: string): string | null {
  const starts = [...text.matchAll(/\\(?:boxed|fbox)\s*\{/g)];
  const last = starts.at(-1);
  if (last === undefined) return null;
  let depth = 1;
  const begin = (last.index ?? 0) + last[0].length;
  for (let i = begin; i < text.length; i++) {
    const char = text[i];
    if (char === '{') depth++;
    else if (char === '}') {
      depth--;
      if (depth === 0) return text.slice(begin, i).trim();
    }
  }
  return null;
}

/**
 * The text of the last "Answer:" section of a structured write-up ("**Answer:** X", "### Answer" then X on the
 * next line, "2. Answer: X"), as AgentFlow's generator writes "Process Summary" then "Answer"; null when absent.
 * Only the section's first line or paragraph is taken.
 */
export function extractAnswerSection(text: string): string | null {
  const lines = text.split('\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    const match =
      /^\s*(?:#{1,6}\s*|\d+\.\s*|[-*]\s+)?(?:\*\*|__)?\s*(?:final\s+)?answer\s*(?:\*\*|__)?\s*(?:[:：]\s*(?:\*\*|__)?\s*(.*)|(?:\*\*|__)?\s*)$/i.exec(
        lines[index]!,
      );
    if (match === null) continue;
    const inline = (match[1] ?? '').trim();
    if (inline !== '') return inline;
    const next = lines.slice(index + 1).find((line) => line.trim() !== '');
    return next === undefined ? null : next.trim();
  }
  return null;
}

/** Strips wrappers that carry no meaning for comparison: surrounding `$...$`, `\(...\)`, `\[...\]`, `**...**`, quotes, "Answer:" prefixes and a final period. */
export function stripAnswerWrappers(text: string): string {
  let value = text.trim();
  for (let changed = true; changed;) {
    const before = value;
    value = value.replace(/^(?:the\s+)?(?:final\s+|correct\s+)?answer(?:\s+is)?\s*[:：-]?\s*/i, '');
    value = value.replace(/^\*\*([\s\S]*)\*\*$/, '$1');
    value = value.replace(/^\$\$?([\s\S]*?)\$?\$$/, '$1');
    value = value.replace(/^\\\(([\s\S]*)\\\)$/, '$1').replace(/^\\\[([\s\S]*)\\\]$/, '$1');
    value = value.replace(/^["'“”‘’`]+([\s\S]*?)["'“”‘’`]+$/, '$1');
    value = value.replace(/\.$/, '');
    value = value.trim();
    changed = value !== before;
  }
  return value;
}
