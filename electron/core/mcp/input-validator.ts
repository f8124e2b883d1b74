import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { InflowError } from '../errors.ts';

type Validate = (input: unknown) => { valid: boolean; errorMessage?: string | undefined };

const validators = new AjvJsonSchemaValidator();

function summarize(schema: Record<string, unknown>): string {
  const properties =
    typeof schema.properties === 'object' && schema.properties !== null
      ? Object.entries(schema.properties as Record<string, Record<string, unknown>>)
      : [];
  if (properties.length === 0) return 'an object';
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const fields = properties.map(([name, property]) => {
    const type = Array.isArray(property?.type)
      ? property.type.join('|')
      : typeof property?.type === 'string'
        ? property.type
        : Array.isArray(property?.enum)
          ? property.enum.map((value) => JSON.stringify(value)).join('|')
          : 'value';
    return `${name}${required.has(name) ? '' : '?'}: ${type}`;
  });
  return `{${fields.join(', ')}}`;
}

/**
 * Compiles a validator for an MCP tool's input schema (the server's own JSON schema, with the SDK's Ajv setup).
 * The returned function gives back the input when it is valid and otherwise throws TOOL_INPUT_INVALID naming the
 * tool and each problem, with the expected shape as the hint. A schema Ajv cannot compile checks only that the
 * input is an object (the server still checks it).
 */
export function createInputValidator(toolName: string, schema: Record<string, unknown>): (input: unknown) => Record<string, unknown> {
  let validate: Validate | undefined;
  try {
    const { $schema: _ignored, ...rest } = schema;
    validate = validators.getValidator(rest);
  } catch {
    validate = undefined;
  }
  const expected = summarize(schema);
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new InflowError(
        'TOOL_INPUT_INVALID',
        `The input for ${toolName} must be a JSON object, not ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}.`,
        { hint: `Expected ${expected}.` },
      );
    }
    const result = validate?.(input);
    if (result !== undefined && !result.valid) {
      const problems = (result.errorMessage ?? 'does not match the schema').replace(/\bdata(?=[/. ]|$)/g, 'input');
      throw new InflowError('TOOL_INPUT_INVALID', `The input for ${toolName} is invalid: ${problems}.`, { hint: `Expected ${expected}.` });
    }
    return input as Record<string, unknown>;
  };
}
