import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { generateObject } from '../../../electron/core/llm/generate-object.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';

const schema = {
  type: 'object',
  properties: { tool: { enum: ['search', 'answer'] }, query: { type: 'string' }, done: { type: 'boolean' } },
  required: ['tool', 'query', 'done'],
} as const;

test('generateObject returns the value typed from the schema, with the generation', async () => {
  const model = new ScriptedLanguageModel({ turns: [{ json: { tool: 'search', query: 'moons of Mars', done: false } }] });
  const { value, generation } = await generateObject(model, { messages: [{ role: 'user', content: 'plan' }] }, schema);
  const tool: 'search' | 'answer' = value.tool; // typed from the schema: this line would not compile otherwise
  const done: boolean = value.done;
  assert.deepEqual([tool, value.query, done], ['search', 'moons of Mars', false]);
  assert.deepEqual(model.requests[0]?.jsonSchema, schema);
  assert.ok(generation.responseTokens.length > 0);
});

test('a reply cut off before its JSON closed is MODEL_OUTPUT_INCOMPLETE, keeping the generation', async () => {
  const model = new ScriptedLanguageModel({ turns: [{ json: { tool: 'answer', query: 'x', done: true } }] });
  await assert.rejects(
    generateObject(model, { messages: [{ role: 'user', content: 'plan' }], sampling: { maxTokens: 3 } }, schema),
    (error) =>
      InflowError.isInstance(error) &&
      error.code === 'MODEL_OUTPUT_INCOMPLETE' &&
      error.hint === 'Raise maxTokens.' &&
      (error.details?.generation as { responseTokens: number[] }).responseTokens.length === 3,
  );
});
