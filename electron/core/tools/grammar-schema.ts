import type { JsonSchema } from '../llm/language-model.ts';

/**
 * Tool input schemas come from zod (`z.toJSONSchema`) or from MCP servers and may use keywords a grammar
 * cannot express. `toGrammarSchema` keeps the subset node-llama-cpp's JSON-schema grammar accepts (type,
 * properties, required, items, enum, const, oneOf, string/array length bounds, descriptions) and turns
 * `anyOf` into `oneOf`. Validation still uses the tool's own validator, so nothing is lost by the reduction.
 */
export function toGrammarSchema(schema: unknown): JsonSchema {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return { type: 'string' };
  const source = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof source.description === 'string') out.description = source.description;
  if ('const' in source) return { ...out, const: source.const };
  if (Array.isArray(source.enum)) return { ...out, enum: source.enum };
  const variants = (source.oneOf ?? source.anyOf) as unknown[] | undefined;
  if (Array.isArray(variants)) {
    const oneOf = variants.map(toGrammarSchema);
    return oneOf.length === 1 ? { ...out, ...oneOf[0] } : { ...out, oneOf };
  }
  const type = source.type;
  if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === 'string');
    return { ...out, oneOf: types.map((t) => toGrammarSchema({ ...source, type: t })) };
  }
  switch (type) {
    case 'object': {
      const properties = (source.properties ?? {}) as Record<string, unknown>;
      const mapped: Record<string, JsonSchema> = {};
      for (const [key, value] of Object.entries(properties)) mapped[key] = toGrammarSchema(value);
      const required = Array.isArray(source.required) ? source.required.filter((k): k is string => typeof k === 'string' && k in mapped) : [];
      return { ...out, type: 'object', properties: mapped, required, additionalProperties: false };
    }
    case 'array': {
      const result: Record<string, unknown> = { ...out, type: 'array', items: toGrammarSchema(source.items ?? { type: 'string' }) };
      if (typeof source.minItems === 'number') result.minItems = source.minItems;
      if (typeof source.maxItems === 'number') result.maxItems = source.maxItems;
      return result;
    }
    case 'string': {
      const result: Record<string, unknown> = { ...out, type: 'string' };
      if (typeof source.minLength === 'number') result.minLength = source.minLength;
      if (typeof source.maxLength === 'number') result.maxLength = source.maxLength;
      return result;
    }
    case 'integer': case 'number': case 'boolean': case 'null':
      return { ...out, type };
    default:
      return { ...out, type: 'string' };
  }
}

/**
 * Bounds every string and array of a grammar schema so that a constrained generation always finishes within
 * a known number of characters: strings get at most `maxStringLength`, arrays at most `maxItems` items.
 * Existing tighter bounds are kept.
 */
export function boundSchema(schema: JsonSchema, bounds: { maxStringLength: number; maxItems: number }): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
    const source = node as Record<string, unknown>;
    const out: Record<string, unknown> = { ...source };
    if (source.type === 'string' && source.format === undefined) {
      out.maxLength = Math.min(typeof source.maxLength === 'number' ? source.maxLength : Infinity, bounds.maxStringLength);
      if (typeof out.minLength === 'number' && out.minLength > (out.maxLength as number)) out.minLength = out.maxLength;
    }
    if (source.type === 'array') {
      out.maxItems = Math.min(typeof source.maxItems === 'number' ? source.maxItems : Infinity, bounds.maxItems);
      out.items = walk(source.items);
    }
    if (source.properties !== undefined) {
      out.properties = Object.fromEntries(Object.entries(source.properties as Record<string, unknown>).map(([k, v]) => [k, walk(v)]));
    }
    if (Array.isArray(source.oneOf)) out.oneOf = source.oneOf.map(walk);
    return out;
  };
  return walk(schema) as JsonSchema;
}
