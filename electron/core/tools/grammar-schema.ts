import type { JsonSchema } from '../llm/language-model.ts';

type Schema = Record<string, unknown>;

/** How a schema is reduced: see toGrammarSchema. */
interface Mode {
  /** Constraints a grammar cannot express go into the description (MCP schemas); built-in tools keep theirs as written. */
  notes: boolean;
  /** Objects admit only their named properties and always list `required` (built-in tools' zod objects are strict). */
  closed: boolean;
}

const immutableTypes = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const grammarFormats = new Set(['date-time', 'time', 'date']);
const maxRefDepth = 4;

/** Any JSON value, in the subset node-llama-cpp grammars accept. */
const anyValue: Schema = Object.freeze({
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'array' }, { type: 'object', additionalProperties: true }],
});

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** The description the model sees, with the constraints the grammar cannot enforce spelled out. */
function describeSchema(schema: Schema, mode: Mode): string | undefined {
  const notes: string[] = [];
  if (!mode.notes) return typeof schema.description === 'string' ? schema.description : undefined;
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern'] as const) {
    if (schema[key] !== undefined && typeof schema[key] !== 'boolean') notes.push(`${key} ${JSON.stringify(schema[key])}`);
  }
  if (typeof schema.format === 'string' && !grammarFormats.has(schema.format)) notes.push(`format ${schema.format}`);
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  const base = typeof schema.description === 'string' ? schema.description : typeof schema.title === 'string' ? schema.title : '';
  const text = notes.length === 0 ? base : `${base}${base === '' ? '' : ' '}(${notes.join(', ')})`;
  return text === '' ? undefined : text;
}

function withDescription(result: Schema, source: Schema, mode: Mode): Schema {
  const description = describeSchema(source, mode);
  return description === undefined ? result : { description, ...result };
}

function resolveRef(ref: string, root: Schema): Schema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (match === null) return undefined;
  const table = root[match[1]!];
  if (!isSchema(table)) return undefined;
  const target = table[decodeURIComponent(match[2]!).replaceAll('~1', '/').replaceAll('~0', '~')];
  return isSchema(target) ? target : undefined;
}

function convert(schema: unknown, root: Schema, depth: number, mode: Mode): Schema {
  if (schema === true || !isSchema(schema)) return anyValue;
  if (typeof schema.$ref === 'string') {
    const target = depth < maxRefDepth ? resolveRef(schema.$ref, root) : undefined;
    return target === undefined
      ? withDescription(anyValue, schema, mode)
      : withDescription(convert(target, root, depth + 1, mode), { ...target, ...schema }, mode);
  }
  if (schema.const !== undefined) return isPrimitive(schema.const) ? withDescription({ const: schema.const }, schema, mode) : anyValue;
  if (Array.isArray(schema.enum)) {
    return schema.enum.every(isPrimitive) && schema.enum.length > 0
      ? withDescription({ enum: schema.enum }, schema, mode)
      : withDescription(anyValue, schema, mode);
  }
  const variants = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (variants !== undefined && variants.length > 0) {
    const converted = variants.map((variant) => convert(variant, root, depth, mode));
    return withDescription(converted.length === 1 ? converted[0]! : { oneOf: converted }, schema, mode);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return convert(mergeAllOf(schema), root, depth, mode);
  const type = schema.type;
  if (Array.isArray(type)) {
    if (type.length > 0 && type.every((item) => immutableTypes.has(item as string))) return withDescription({ type }, schema, mode);
    return withDescription(
      { oneOf: type.map((item) => convert({ ...schema, type: item, description: undefined }, root, depth, mode)) },
      schema,
      mode,
    );
  }
  switch (type) {
    case 'string': {
      const result: Schema = { type: 'string' };
      if (typeof schema.format === 'string' && grammarFormats.has(schema.format)) result.format = schema.format;
      else {
        if (typeof schema.minLength === 'number') result.minLength = schema.minLength;
        if (typeof schema.maxLength === 'number') result.maxLength = schema.maxLength;
      }
      return withDescription(result, schema, mode);
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return withDescription({ type }, schema, mode);
    case 'array':
      return withDescription(convertArray(schema, root, depth, mode), schema, mode);
    case 'object':
      return withDescription(convertObject(schema, root, depth, mode), schema, mode);
    default:
      if (isSchema(schema.properties)) return withDescription(convertObject(schema, root, depth, mode), schema, mode);
      return withDescription(anyValue, schema, mode);
  }
}

function convertArray(schema: Schema, root: Schema, depth: number, mode: Mode): Schema {
  const result: Schema = { type: 'array' };
  const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : undefined;
  if (tuple !== undefined) result.prefixItems = tuple.map((item) => convert(item, root, depth, mode));
  const items = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
  if (isSchema(items)) result.items = convert(items, root, depth, mode);
  if (typeof schema.minItems === 'number') result.minItems = schema.minItems;
  if (typeof schema.maxItems === 'number') result.maxItems = schema.maxItems;
  return result;
}

function convertObject(schema: Schema, root: Schema, depth: number, mode: Mode): Schema {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  const result: Schema = {
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, convert(properties[name], root, depth, mode)])),
  };
  const required = Array.isArray(schema.required)
    ? schema.required.filter((name): name is string => typeof name === 'string' && names.includes(name))
    : [];
  if (required.length > 0 || mode.closed) result.required = required;
  const additional = schema.additionalProperties;
  if (mode.closed) result.additionalProperties = false;
  else if (isSchema(additional)) result.additionalProperties = convert(additional, root, depth, mode);
  else if (additional === true || (additional === undefined && names.length === 0)) result.additionalProperties = true;
  if (typeof schema.minProperties === 'number') result.minProperties = schema.minProperties;
  if (typeof schema.maxProperties === 'number') result.maxProperties = schema.maxProperties;
  return result;
}

/** Shallow merge of `allOf` parts: object parts pool their properties and required lists. */
function mergeAllOf(schema: Schema): Schema {
  const parts = (schema.allOf as unknown[]).filter(isSchema);
  const { allOf: _ignored, ...rest } = schema;
  const merged: Schema = { ...rest };
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && isSchema(value)) merged.properties = { ...(isSchema(merged.properties) ? merged.properties : {}), ...value };
      else if (key === 'required' && Array.isArray(value)) merged.required = [...(Array.isArray(merged.required) ? merged.required : []), ...value];
      else if (merged[key] === undefined) merged[key] = value;
    }
  }
  return merged;
}

/**
 * The one JSON-schema-to-grammar converter: rewrites a tool's input schema into the subset node-llama-cpp turns
 * into a grammar (type, properties, required, items, enum, const, oneOf, string lengths and date formats), so
 * the executor's call can be constrained to it. `$ref`s are inlined (a few levels deep), `anyOf` becomes `oneOf`.
 * - MCP tools (the default, any JSON schema): constraints a grammar cannot express (minimum, pattern, default, ...)
 *   move into the description, where the model still reads them; the server's full schema still validates the call.
 * - Built-in tools (`{ notes: false, closed: true }`, from zod): descriptions stay as written, and objects admit
 *   only their named properties (`additionalProperties: false`, `required` always listed); zod validates the call.
 */
export function toGrammarSchema(schema: unknown, options: Partial<Mode> = {}): JsonSchema {
  const mode: Mode = { notes: options.notes ?? true, closed: options.closed ?? false };
  const root = isSchema(schema) ? schema : {};
  const converted = convert({ type: 'object', ...root }, root, 0, mode);
  return converted.type === 'object' ? converted : { type: 'object', properties: {}, additionalProperties: !mode.closed };
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
