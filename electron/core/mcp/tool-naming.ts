/** The longest tool name handed to the planner (many chat templates and clients cap names at 64). */
export const maxToolNameLength = 64;

function sanitize(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'tool'
  );
}

/**
 * The name an MCP tool has inside Inflow: `<server>__<tool>`, lower case, with anything but letters and digits
 * turned into `_` (so `everything` / `get-sum` becomes `everything__get_sum`). The server prefix keeps names from
 * different servers apart and tells the planner where a tool comes from.
 */
export function mcpToolName(server: string, tool: string): string {
  const name = `${sanitize(server)}__${sanitize(tool)}`;
  return name.length <= maxToolNameLength ? name : name.slice(0, maxToolNameLength).replace(/_+$/, '');
}

/** The form the planner's tool matching compares (case and runs of spaces/underscores ignored). */
export function toolNameKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .split(/[\s_]+/)
    .filter(Boolean)
    .join('_');
}

/**
 * Makes names unique within one tool set, as the planner compares them (`toolNameKey`): a name already `taken`
 * gets `_2`, `_3`, ... (cut to fit the length cap). Adds the key of the name it returns to `taken`.
 */
export function uniqueToolName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let counter = 2; taken.has(toolNameKey(candidate)); counter += 1) {
    const suffix = `_${counter}`;
    candidate = `${name.slice(0, maxToolNameLength - suffix.length)}${suffix}`;
  }
  taken.add(toolNameKey(candidate));
  return candidate;
}
