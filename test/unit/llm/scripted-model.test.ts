import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

test('replays scripted replies in order with consistent fake tokens and negative log-probs', async () => {
  const model = new ScriptedLanguageModel({ turns: ['Paris is the capital.', (request) => `You said: ${request.messages.at(-1)?.content}`] });
  const chunks: string[] = [];
  const first = await model.generate({ ...ask('Capital of France?'), onTextChunk: (chunk) => chunks.push(chunk) });
  assert.equal(first.text, 'Paris is the capital.');
  assert.equal(chunks.join(''), first.text);
  assert.equal(first.responseTokens.length, chunks.length);
  assert.equal(first.responseLogprobs.length, first.responseTokens.length);
  assert.ok(first.responseLogprobs.every((value) => value < 0 && Number.isFinite(value)));
  assert.equal(first.stopReason, 'eos');
  assert.match(first.promptText, /<\|im_start\|>user\nCapital of France\?<\|im_end\|>\n<\|im_start\|>assistant\n$/);
  const second = await model.generate(ask('hi'));
  assert.equal(second.text, 'You said: hi');
  assert.equal(model.requests.length, 2);
  assert.equal(model.remaining, 0);
  const again = new ScriptedLanguageModel({ turns: ['Paris is the capital.'] });
  assert.deepEqual((await again.generate(ask('Capital of France?'))).responseTokens, first.responseTokens);
});

test('JSON replies are parsed under a schema; text that is not JSON is MODEL_OUTPUT_INVALID', async () => {
  const model = new ScriptedLanguageModel({ turns: [{ json: { tool: 'search', query: 'x' } }, 'not json'] });
  const schema = { type: 'object' };
  const generation = await model.generate({ ...ask('plan'), jsonSchema: schema });
  assert.deepEqual(generation.parsed, { tool: 'search', query: 'x' });
  await assert.rejects(
    model.generate({ ...ask('plan'), jsonSchema: schema }),
    (error) => InflowError.isInstance(error) && error.code === 'MODEL_OUTPUT_INVALID',
  );
});

test('maxTokens, an aborted signal, scripted errors and running out of script behave like a real model', async () => {
  const failure = new InflowError('MODEL_FAILED', 'boom');
  const model = new ScriptedLanguageModel({ turns: ['one two three four five', 'never streamed', failure] });
  const cut = await model.generate({ ...ask('count'), sampling: { maxTokens: 2 } });
  assert.equal(cut.text, 'one two');
  assert.equal(cut.stopReason, 'max_tokens');
  const controller = new AbortController();
  controller.abort();
  const aborted = await model.generate({ ...ask('x'), signal: controller.signal });
  assert.equal(aborted.stopReason, 'aborted');
  assert.equal(aborted.text, '');
  await assert.rejects(model.generate(ask('x')), failure);
  await assert.rejects(model.generate(ask('x')), (error) => InflowError.isInstance(error) && error.code === 'SCRIPT_EXHAUSTED');
  assert.equal(model.countTokens('a b c'), 3);
});
