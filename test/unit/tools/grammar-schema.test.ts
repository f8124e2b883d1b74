import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineTool } from '../../../electron/core/tools/define-tool.ts';
import { toGrammarSchema } from '../../../electron/core/tools/grammar-schema.ts';

const input = z.object({
  query: z.string().min(1).describe('what to look for'),
  limit: z.number().int().min(1).max(10).optional().describe('how many'),
  cite: z.boolean().default(true).describe('cite sources'),
});

test("one converter: a built-in tool's schema is closed and keeps its descriptions as written", () => {
  const tool = defineTool({ name: 'Demo_Tool', description: 'demo', input, output: 'text', execute: async () => 'ok' });
  assert.equal(
    JSON.stringify(tool.inputSchema),
    JSON.stringify({
      type: 'object',
      properties: {
        query: { description: 'what to look for', type: 'string', minLength: 1 },
        limit: { description: 'how many', type: 'integer' },
        cite: { description: 'cite sources', type: 'boolean' },
      },
      required: ['query'],
      additionalProperties: false,
    }),
  );
  assert.deepEqual(toGrammarSchema({ type: 'object', properties: {} }, { notes: false, closed: true }), {
    type: 'object',
    properties: {},
    required: [],
    additionalProperties: false,
  });
});

test('one converter: the same schema from an MCP server spells out the limits a grammar cannot hold', () => {
  const schema = toGrammarSchema(z.toJSONSchema(input, { io: 'input' }));
  assert.deepEqual(schema, {
    type: 'object',
    properties: {
      query: { description: 'what to look for', type: 'string', minLength: 1 },
      limit: { description: 'how many (minimum 1, maximum 10)', type: 'integer' },
      cite: { description: 'cite sources (default true)', type: 'boolean' },
    },
    required: ['query'],
  });
});
