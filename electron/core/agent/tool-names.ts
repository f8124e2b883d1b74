/**
 * Tool names as the reference compares them: runs of spaces and underscores are one separator, case is
 * ignored ("python code generator tool" matches "Python_Code_Generator_Tool").
 */
export function canonicalToolName(name: string): string {
  return name
    .trim()
    .split(/[\s_]+/)
    .filter(Boolean)
    .map((part) => part.toLowerCase())
    .join('_');
}

/** The enabled tool a model meant, or undefined. Also accepts a name wrapped in quotes, backticks or brackets. */
export function matchToolName(raw: string, available: readonly string[]): string | undefined {
  const cleaned = raw
    .trim()
    .split('\n')[0]!
    .replace(/^[\s`'"*[(<]+|[\s`'"*\])>.,;:]+$/g, '');
  const wanted = canonicalToolName(cleaned);
  if (wanted === '') return undefined;
  const exact = available.find((name) => canonicalToolName(name) === wanted);
  if (exact) return exact;
  // A line such as "Python_Code_Generator_Tool (for the arithmetic)": the one tool whose name it starts with.
  const prefixed = available.filter((name) => wanted.startsWith(canonicalToolName(name)));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
