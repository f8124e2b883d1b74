import type { JsonSchema } from '../llm/language-model.ts';

type Schema = Record<string, unknown>;

const immutableTypes = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const grammarFormats = new Set(['date-time', 'time', 'date']);
const maxRefDepth = 4;

/** Any JSON value, in the subset node-llama-cpp grammars accept. */
const anyValue: Schema = Object.freeze({
  oneOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'array' },
    { type: 'object', additionalProperties: true },
  ],
});

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** The description the model sees, with the constraints the grammar cannot enforce spelled out. */
function describeSchema(schema: Schema): string | undefined {
  const notes: string[] = [];
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern'] as const) {
    if (schema[key] !== undefined && typeof schema[key] !== 'boolean') notes.push(`${key} ${JSON.stringify(schema[key])}`);
  }
  if (typeof schema.format === 'string' && !grammarFormats.has(schema.format)) notes.push(`format ${schema.format}`);
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  const base = typeof schema.description === 'string' ? schema.description : typeof schema.title === 'string' ? schema.title : '';
  const text = notes.length === 0 ? base : `${base}${base === '' ? '' : ' '}(${notes.join(', ')})`;
  return text === '' ? undefined : text;
}

function withDescription(result: Schema, source: Schema): Schema {
  const description = describeSchema(source);
  return description === undefined ? result : { ...result, description };
}

function resolveRef(ref: string, root: Schema): Schema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (match === null) return undefined;
  const table = root[match[1]!];
  if (!isSchema(table)) return undefined;
  const target = table[decodeURIComponent(match[2]!).replaceAll('~1', '/').replaceAll('~0', '~')];
  return isSchema(target) ? target : undefined;
}

function convert(schema: unknown, root: Schema, depth: number): Schema {
  if (schema === true || !isSchema(schema)) return anyValue;
  if (typeof schema.$ref === 'string') {
    const target = depth < maxRefDepth ? resolveRef(schema.$ref, root) : undefined;
    return target === undefined ? withDescription(anyValue, schema) : withDescription(convert(target, root, depth + 1), { ...target, ...schema });
  }
  if (schema.const !== undefined) return isPrimitive(schema.const) ? withDescription({ const: schema.const }, schema) : anyValue;
  if (Array.isArray(schema.enum)) {
    return schema.enum.every(isPrimitive) && schema.enum.length > 0 ? withDescription({ enum: schema.enum }, schema) : withDescription(anyValue, schema);
  }
  const variants = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (variants !== undefined && variants.length > 0) {
    const converted = variants.map((variant) => convert(variant, root, depth));
    return withDescription(converted.length === 1 ? converted[0]! : { oneOf: converted }, schema);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return convert(mergeAllOf(schema), root, depth);
  const type = schema.type;
  if (Array.isArray(type)) {
    if (type.length > 0 && type.every((item) => immutableTypes.has(item as string))) return withDescription({ type }, schema);
    return withDescription({ oneOf: type.map((item) => convert({ ...schema, type: item, description: undefined }, root, depth)) }, schema);
  }
  switch (type) {
    case 'string': {
      const result: Schema = { type: 'string' };
      if (typeof schema.format === 'string' && grammarFormats.has(schema.format)) result.format = schema.format;
      else {
        if (typeof schema.minLength === 'number') result.minLength = schema.minLength;
        if (typeof schema.maxLength === 'number') result.maxLength = schema.maxLength;
      }
      return withDescription(result, schema);
    }
    case 'number': case 'integer': case 'boolean': case 'null':
      return withDescription({ type }, schema);
    case 'array': return withDescription(convertArray(schema, root, depth), schema);
    case 'object': return withDescription(convertObject(schema, root, depth), schema);
    default:
      if (isSchema(schema.properties)) return withDescription(convertObject(schema, root, depth), schema);
      return withDescription(anyValue, schema);
  }
}

function convertArray(schema: Schema, root: Schema, depth: number): Schema {
  const result: Schema = { type: 'array' };
  const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : undefined;
  if (tuple !== undefined) result.prefixItems = tuple.map((item) => convert(item, root, depth));
  const items = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
  if (isSchema(items)) result.items = convert(items, root, depth);
  if (typeof schema.minItems === 'number') result.minItems = schema.minItems;
  if (typeof schema.maxItems === 'number') result.maxItems = schema.maxItems;
  return result;
}

function convertObject(schema: Schema, root: Schema, depth: number): Schema {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  const result: Schema = {
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, convert(properties[name], root, depth)])),
  };
  const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string' && names.includes(name)) : [];
  if (required.length > 0) result.required = required;
  const additional = schema.additionalProperties;
  if (isSchema(additional)) result.additionalProperties = convert(additional, root, depth);
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
 * Rewrites an MCP tool's input schema (any JSON schema) into the subset node-llama-cpp turns into a grammar
 * (type, properties, required, items, enum, const, oneOf, string lengths and date formats), so the executor's
 * call can be constrained to it like a built-in tool's. `$ref`s are inlined (a few levels deep), `anyOf` becomes
 * `oneOf`, and constraints a grammar cannot express (minimum, pattern, default, ...) move into the description,
 * where the model still reads them; the server's full schema still validates the call before it is sent.
 */
export function toGrammarSchema(schema: unknown): JsonSchema {
  const root = isSchema(schema) ? schema : {};
  const converted = convert({ type: 'object', ...root }, root, 0);
  return converted.type === 'object' ? converted : { type: 'object', properties: {}, additionalProperties: true };
}
