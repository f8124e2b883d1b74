import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { generateObject } from '../../../electron/core/llm/generate-object.ts';
import { getEngine, type Engine } from '../../../electron/core/llm/engine.ts';
import type { LocalModel } from '../../../electron/core/llm/local-model.ts';
import { testLoraPath, testModelPath } from '../../support/test-model.ts';

let engine: Engine;
let model: LocalModel;
const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say hi' },
];

before(async () => {
  engine = await getEngine({ gpu: false });
  model = await engine.loadModel({ path: testModelPath(), contextSize: 512, threads: 1, sequences: 4 });
});
after(async () => {
  await model.dispose();
});

test('the engine reports its backend and memory, and the model its id, context and chat template', async () => {
  const info = await engine.info();
  assert.equal(info.backend, 'CPU');
  assert.ok(info.ram.total > 0 && info.processRss > 0);
  assert.equal(await getEngine({ gpu: false }), engine, 'one engine per process');
  assert.equal(model.contextSize, 512);
  assert.equal(model.chatTemplateName, 'ChatML');
  assert.equal(model.parallelSequences, 4);
  assert.ok(model.memoryUsage().modelBytes > 0);
});

test('a generation returns the exact prompt, its tokens, the sampled tokens with log-probs, and streams its text', async () => {
  const chunks: string[] = [];
  const generation = await model.generate({ messages, sampling: { maxTokens: 12, temperature: 0 }, onTextChunk: (chunk) => chunks.push(chunk) });
  assert.match(
    generation.promptText,
    /<\|im_start\|>system\nYou are terse\.<\|im_end\|>\n<\|im_start\|>user\nSay hi<\|im_end\|>\n<\|im_start\|>assistant\n$/,
  );
  assert.deepEqual(generation.promptTokens, model.llamaModel.tokenize(generation.promptText, true));
  assert.equal(generation.responseTokens.length, 12);
  assert.equal(generation.stopReason, 'max_tokens');
  assert.deepEqual(generation.responseLogprobs, new Array(12).fill(0), 'greedy tokens are drawn with probability 1');
  const sampled = await model.generate({ messages, sampling: { maxTokens: 12, temperature: 1, seed: 1 } });
  assert.equal(sampled.responseLogprobs.length, 12);
  assert.ok(sampled.responseLogprobs.every((value) => value < 0 && Number.isFinite(value)));
  assert.equal(chunks.join(''), generation.text);
  assert.equal(generation.text, model.llamaModel.detokenize(generation.responseTokens as Token[]));
  const unstreamed = await model.generate({ messages, sampling: { maxTokens: 12, temperature: 0 } });
  assert.equal(unstreamed.text, generation.text);
  assert.equal(generation.modelId, model.id);
  assert.equal(generation.adapterId, null);
  assert.ok(generation.timings.promptMs >= 0 && generation.timings.generateMs >= 0);
});

test('each log-prob is that of the sampled token under the distribution it was drawn from', async () => {
  const sampling = { maxTokens: 6, temperature: 0.8, topK: 40, seed: 7 };
  const generation = await model.generate({ messages, sampling });
  const context = await model.llamaModel.createContext({ contextSize: 512, threads: 1 });
  const sequence = context.getSequence();
  const tokens = [...generation.promptTokens] as Token[];
  for (let index = 0; index < 3; index++) {
    const iterator = sequence.evaluateWithMetadata(tokens.slice(sequence.nextTokenIndex), { probabilities: true }, { temperature: 0.8, topK: 40 });
    const step = await iterator.next();
    await iterator.return();
    assert.ok(step.done !== true);
    const token = generation.responseTokens[index] ?? -1;
    const probability = step.value.probabilities.get(token as never) ?? 0;
    assert.ok(probability > 0, `token ${token} had probability 0`);
    assert.ok(Math.abs(Math.log(probability) - (generation.responseLogprobs[index] ?? 0)) < 1e-3, `step ${index}`);
    await sequence.eraseContextTokenRanges([{ start: tokens.length, end: sequence.nextTokenIndex }]);
    tokens.push(token as Token);
  }
  await context.dispose();
});

test('greedy generation is deterministic (cached prefix or not) and a seed makes sampling reproducible', async () => {
  const request = { messages, sampling: { maxTokens: 10, temperature: 0 } };
  const first = await model.generate(request);
  const second = await model.generate(request);
  assert.deepEqual(second.responseTokens, first.responseTokens);
  assert.deepEqual(second.responseLogprobs, first.responseLogprobs);
  const other = await model.generate({
    messages: [{ role: 'user', content: 'Something else entirely' }],
    sampling: { maxTokens: 4, temperature: 0 },
  });
  assert.notDeepEqual(other.promptTokens, first.promptTokens);
  assert.deepEqual((await model.generate(request)).responseTokens, first.responseTokens);
  const sampled = (seed: number) => model.generate({ messages, sampling: { maxTokens: 10, temperature: 1, seed } });
  const [a, b, c] = [await sampled(1), await sampled(1), await sampled(2)];
  assert.deepEqual(a.responseTokens, b.responseTokens);
  assert.notDeepEqual(a.responseTokens, c.responseTokens);
});

test('a JSON schema constrains the output and the parsed object is returned', async () => {
  const schema = {
    type: 'object',
    properties: { action: { enum: ['search', 'answer'] }, query: { type: 'string' }, done: { type: 'boolean' } },
    required: ['action', 'query', 'done'],
  };
  for (const seed of [1, 2]) {
    const generation = await model.generate({ messages, jsonSchema: schema, sampling: { maxTokens: 300, temperature: 0.7, seed } });
    assert.equal(generation.stopReason, 'eos');
    const parsed = generation.parsed as { action: string; query: string; done: boolean };
    assert.ok(['search', 'answer'].includes(parsed.action));
    assert.equal(typeof parsed.query, 'string');
    assert.equal(typeof parsed.done, 'boolean');
    assert.deepEqual(parsed, JSON.parse(generation.text));
  }
  const { value } = await generateObject(model, { messages, sampling: { maxTokens: 300, temperature: 0.7, seed: 3 } }, {
    type: 'object',
    properties: { done: { type: 'boolean' } },
  } as const);
  assert.equal(typeof value.done, 'boolean');
});

test('an AbortSignal stops generation early and keeps what was generated', async () => {
  const controller = new AbortController();
  let chunks = 0;
  const generation = await model.generate({
    messages,
    signal: controller.signal,
    sampling: { maxTokens: 200, temperature: 1, seed: 3 },
    onTextChunk: () => {
      if (++chunks === 3) controller.abort();
    },
  });
  assert.equal(generation.stopReason, 'aborted');
  assert.ok(generation.responseTokens.length < 20, `${generation.responseTokens.length} tokens`);
  assert.equal(generation.responseTokens.length, generation.responseLogprobs.length);
});

test('a group of generations runs on parallel sequences with distinct seeds', async () => {
  const group = await model.generateGroup({ messages, sampling: { maxTokens: 8, temperature: 1, seed: 100 } }, 6);
  assert.equal(group.length, 6);
  assert.ok(group.every((generation) => generation.responseTokens.length === 8 && generation.responseLogprobs.length === 8));
  assert.ok(new Set(group.map((generation) => generation.text)).size >= 5);
});

test('a LoRA adapter changes generations, and removing it restores the base model exactly', async () => {
  const request = { messages, sampling: { maxTokens: 8, temperature: 0.7, seed: 5 } };
  const base = await model.generate(request);
  await model.setAdapter(testLoraPath(), 1, { id: 'demo-adapter' });
  const adapted = await model.generate(request);
  assert.equal(adapted.adapterId, 'demo-adapter');
  assert.notDeepEqual(adapted.responseLogprobs, base.responseLogprobs);
  await model.setAdapter(testLoraPath({}, { seed: 99 }), 0.5);
  const switched = await model.generate(request);
  assert.notDeepEqual(switched.responseLogprobs, adapted.responseLogprobs);
  assert.equal(model.adapterScale, 0.5);
  await model.setAdapter(null);
  const restored = await model.generate(request);
  assert.equal(restored.adapterId, null);
  assert.deepEqual(restored.responseTokens, base.responseTokens);
  restored.responseLogprobs.forEach((value, index) => assert.ok(Math.abs(value - (base.responseLogprobs[index] ?? 0)) < 1e-4));
});

test('an adapter switch waits for running generations instead of breaking them', async () => {
  const running = model.generate({ messages, sampling: { maxTokens: 30, temperature: 0 } });
  const switching = model.setAdapter(testLoraPath(), 1);
  const generation = await running;
  await switching;
  assert.equal(generation.adapterId, null);
  assert.equal(generation.responseTokens.length, 30);
  assert.equal(
    model.adapterId,
    testLoraPath()
      .split('/')
      .pop()
      ?.replace(/\.gguf$/, ''),
  );
  await model.setAdapter(null);
});

test('context options: a q8_0 KV cache with flash attention generates like the f16 cache', async () => {
  const path = testModelPath({ arch: 'qwen3' }); // 32-wide heads: quantized KV caches need multiples of 32
  const request = { messages, sampling: { maxTokens: 6, temperature: 0 } };
  const f16 = await engine.loadModel({ path, contextSize: 256, threads: 1 });
  const q8 = await engine.loadModel({ path, contextSize: 256, threads: 1, kvCacheType: 'q8_0', flashAttention: true });
  try {
    const [a, b] = [await f16.generate(request), await q8.generate(request)];
    assert.equal(b.responseTokens.length, 6);
    assert.deepEqual(b.responseTokens.slice(0, 2), a.responseTokens.slice(0, 2));
  } finally {
    await f16.dispose();
    await q8.dispose();
  }
});

test('a frequency penalty stops the model repeating tokens it already produced', async () => {
  const request = (frequencyPenalty?: number) =>
    model.generate({
      messages: [{ role: 'user', content: 'hi' }],
      sampling: { maxTokens: 40, temperature: 0, ...(frequencyPenalty === undefined ? {} : { frequencyPenalty }) },
    });
  const plain = await request();
  const penalized = await request(2);
  assert.ok(new Set(plain.responseTokens).size < 40, 'the plain greedy reply repeats tokens');
  assert.equal(new Set(penalized.responseTokens).size, 40);
});
