/**
 * Tool results and memory entries can be huge (the reference let strings of 100,000 characters into every
 * prompt). These helpers cut them to a character budget while keeping their shape, so a capped result is
 * still a valid JSON value and the planner can see that something was cut.
 */

/** Keeps the start and the end of a long string, with a marker saying how much was cut. */
export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = `… [${text.length - maxChars} characters cut] …`;
  const keep = Math.max(0, maxChars - marker.length);
  const head = Math.ceil(keep * 0.7);
  return `${text.slice(0, head)}${marker}${text.slice(text.length - (keep - head))}`;
}

/** Every string inside `value` cut to `maxStringChars`; arrays cut to `maxItems` entries. */
export function capStrings(value: unknown, maxStringChars: number, maxItems = Infinity): unknown {
  if (typeof value === 'string') return truncateMiddle(value, maxStringChars);
  if (Array.isArray(value)) {
    const items = value.slice(0, maxItems).map((item) => capStrings(item, maxStringChars, maxItems));
    if (value.length > maxItems) items.push(`… [${value.length - maxItems} more items cut]`);
    return items;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, capStrings(v, maxStringChars, maxItems)]));
  }
  return value;
}

/** JSON length of a value (what `maxOutputChars` measures). */
export function jsonLength(value: unknown): number {
  return JSON.stringify(value ?? null)?.length ?? 4;
}

/**
 * Cuts `value` until its JSON text fits `maxChars`: first long strings (halving the per-string limit), then,
 * if the structure itself is too big, the JSON text as one truncated string. Returns whether anything was cut.
 */
export function capValue(value: unknown, maxChars: number): { value: unknown; truncated: boolean } {
  const safe = toJsonSafe(value);
  if (jsonLength(safe) <= maxChars) return { value: safe, truncated: false };
  let limit = maxChars;
  let items = 200;
  while (limit >= 32) {
    const candidate = capStrings(safe, limit, items);
    if (jsonLength(candidate) <= maxChars) return { value: candidate, truncated: true };
    limit = Math.floor(limit / 2);
    items = Math.max(5, Math.floor(items / 2));
  }
  return { value: truncateMiddle(JSON.stringify(safe), maxChars), truncated: true };
}

/** Turns what a tool returned into plain JSON data (errors, bigints, Maps, cycles included). */
export function toJsonSafe(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) return { error: value.message };
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonSafe(v, seen)]));
  if (value instanceof Set) return [...value].map((v) => toJsonSafe(v, seen));
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => toJsonSafe(v, seen));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSafe(v, seen)]));
}
