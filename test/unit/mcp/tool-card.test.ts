import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { toGrammarSchema } from '../../../electron/core/tools/grammar-schema.ts';
import { createInputValidator } from '../../../electron/core/mcp/input-validator.ts';
import { capText, resultToText } from '../../../electron/core/mcp/mcp-result.ts';
import { mcpToolName, toolNameKey, uniqueToolName } from '../../../electron/core/mcp/tool-naming.ts';

test('MCP tool names are <server>__<tool>, planner-friendly, capped and unique as the planner compares them', () => {
  assert.equal(mcpToolName('everything', 'get-sum'), 'everything__get_sum');
  assert.equal(mcpToolName('My.Files', 'Read File!'), 'my_files__read_file');
  assert.ok(mcpToolName('s', 'x'.repeat(200)).length <= 64);
  const taken = new Set([toolNameKey('Files_Read_File')]);
  assert.equal(uniqueToolName('files__read_file', taken), 'files__read_file_2');
  assert.equal(uniqueToolName('files__read_file', taken), 'files__read_file_3');
});

test('input schemas become the grammar subset: $ref inlined, anyOf as oneOf, unsupported limits spelled out', () => {
  const schema = toGrammarSchema({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    definitions: { point: { type: 'object', properties: { x: { type: 'number', minimum: 0 } }, required: ['x'] } },
    properties: {
      at: { $ref: '#/definitions/point' },
      mode: { anyOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'null' }] },
      count: { type: 'integer', default: 3, description: 'How many' },
      anything: {},
      when: { type: 'string', format: 'date-time' },
    },
    required: ['at', 'missing'],
  });
  assert.deepEqual(schema, {
    type: 'object',
    properties: {
      at: { type: 'object', properties: { x: { type: 'number', description: '(minimum 0)' } }, required: ['x'] },
      mode: { oneOf: [{ enum: ['a', 'b'] }, { type: 'null' }] },
      count: { type: 'integer', description: 'How many (default 3)' },
      anything: { oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'array' }, { type: 'object', additionalProperties: true }] },
      when: { type: 'string', format: 'date-time' },
    },
    required: ['at'],
  });
  assert.deepEqual(toGrammarSchema({ type: 'object' }), { type: 'object', properties: {}, additionalProperties: true });
});

test("inputs are checked against the server's own schema with errors naming the tool and the field", () => {
  const validate = createInputValidator('everything__get_sum', {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number', minimum: 0 } },
    required: ['a', 'b'],
  });
  assert.deepEqual(validate({ a: 1, b: 2 }), { a: 1, b: 2 });
  const invalid = (pattern: RegExp) => (error: unknown) =>
    InflowError.isInstance(error) &&
    error.code === 'TOOL_INPUT_INVALID' &&
    pattern.test(error.message) &&
    /Expected \{a: number, b: number\}/.test(error.hint ?? '');
  assert.throws(() => validate({ a: 'one' }), invalid(/everything__get_sum is invalid: .*required property 'b'.*input\/a must be number/));
  assert.throws(() => validate({ a: 1, b: -1 }), invalid(/input\/b must be >= 0/));
  assert.throws(() => validate([1, 2]), invalid(/must be a JSON object, not an array/));
});

test('results become text: text blocks, embedded text resources, notes for binary content, structured JSON', () => {
  const result = resultToText(
    {
      content: [
        { type: 'text', text: 'hello' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'file:///a.txt', text: 'file text' } },
        { type: 'resource_link', uri: 'file:///b', name: 'b' },
      ],
    },
    1000,
  );
  assert.equal(result.text, 'hello\n[image image/png, 3 bytes, not shown]\nfile text\n[resource file:///b "b"]');
  assert.equal(result.isError, false);
  assert.equal(resultToText({ content: [], structuredContent: { temperature: 22 } }, 1000).text, '{"temperature":22}');
  assert.equal(resultToText({ content: [{ type: 'text', text: 'no such file' }], isError: true }, 1000).isError, true);
});

test('oversized output is cut to the cap with a note saying how much was left out', () => {
  const long = `${'a'.repeat(5000)}${'z'.repeat(5000)}`;
  const capped = capText(long, 1000);
  assert.equal(capped.truncated, true);
  assert.ok(capped.text.length <= 1000);
  assert.match(capped.text, /output cut: 10000 characters in all, limit 1000/);
  assert.ok(capped.text.startsWith('aaa') && capped.text.endsWith('zzz'));
  assert.deepEqual(capText('short', 1000), { text: 'short', truncated: false });
});
