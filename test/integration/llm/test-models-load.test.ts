import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getLlama, LlamaChatSession, type Llama } from 'node-llama-cpp';
import { testLoraPath, testModelPath, type TestModelOptions } from '../../support/test-model.ts';

let llama: Llama;
before(async () => {
  llama = await getLlama({ gpu: false });
});
after(async () => {
  await llama.dispose();
});

const variants: Array<[string, TestModelOptions]> = [
  ['qwen2 + tiny vocab (default)', {}],
  ['qwen2 + qwen2 vocab, f16', { vocab: 'qwen2', dtype: 'f16' }],
  ['llama + llama-spm vocab', { arch: 'llama', vocab: 'llama-spm' }],
  ['llama3 rope_freqs + tied embeddings', { arch: 'llama', ropeFreqFactors: true, tiedEmbeddings: true }],
  ['qwen3 (q/k norms, key_length 32), f16, tied', { arch: 'qwen3', dtype: 'f16', tiedEmbeddings: true }],
  ['llama, q8_0 matrices', { arch: 'llama', dtype: 'q8_0' }],
];

for (const [name, options] of variants) {
  test(`node-llama-cpp loads the ${name} test model and chats through its ChatML template`, async () => {
    const model = await llama.loadModel({ modelPath: testModelPath(options) });
    try {
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      assert.equal(session.chatWrapper.wrapperName, 'ChatML');
      let chunks = 0;
      await session.prompt('Hello, who are you?', {
        maxTokens: 8,
        temperature: 0,
        onTextChunk: () => {
          chunks++;
        },
      });
      assert.ok(chunks > 0, 'streamed no text');
      const imStart = model.tokenize('<|im_start|>', true);
      assert.equal(imStart.length, 1, 'ChatML markers are single special tokens');
      assert.equal(model.detokenize(model.tokenize('Hello world, 123!')), 'Hello world, 123!');
      await context.dispose();
    } finally {
      await model.dispose();
    }
  });
}

test('the tiny vocabulary keeps the output layer small and tokenizes English into merged pieces', async () => {
  const model = await llama.loadModel({ modelPath: testModelPath() });
  try {
    assert.ok(model.fileInsights.modelSize < 2_000_000, `${model.fileInsights.modelSize} bytes`);
    const text = 'The quick brown fox jumps over the lazy dog.';
    const tokens = model.tokenize(text);
    assert.ok(tokens.length < text.length, `${tokens.length} tokens for ${text.length} characters`);
    assert.equal(model.detokenize(tokens), text);
    assert.equal(model.detokenize(model.tokenize('ünïcödé 世界')), 'ünïcödé 世界');
  } finally {
    await model.dispose();
  }
});

test('a test LoRA adapter applies to its base model and changes the next-token distribution', async () => {
  const model = await llama.loadModel({ modelPath: testModelPath() });
  try {
    const tokens = model.tokenize('Hello there');
    const nextProbabilities = async (lora?: string) => {
      const context = await model.createContext({
        contextSize: 64,
        threads: 1,
        ...(lora === undefined ? {} : { lora: { adapters: [{ filePath: lora, scale: 1 }] } }),
      });
      const sequence = context.getSequence();
      const iterator = sequence.evaluateWithMetadata(tokens, { probabilities: true }, { temperature: 0 });
      const first = await iterator.next();
      await iterator.return();
      await context.dispose();
      assert.ok(first.done !== true);
      return first.value.probabilities;
    };
    const base = await nextProbabilities();
    const adapted = await nextProbabilities(testLoraPath());
    const topBase = [...base.entries()].slice(0, 5);
    const topAdapted = [...adapted.entries()].slice(0, 5);
    assert.notDeepEqual(topBase, topAdapted);
  } finally {
    await model.dispose();
  }
});

test('f16 and q8_0 builds of a seed predict like its f32 build (the encodings are right)', async () => {
  const topTokens = async (dtype: 'f32' | 'f16' | 'q8_0') => {
    const model = await llama.loadModel({ modelPath: testModelPath({ arch: 'llama', dtype, seed: 5 }) });
    const context = await model.createContext({ contextSize: 64, threads: 1 });
    const iterator = context.getSequence().evaluateWithMetadata(model.tokenize('Once upon a time'), { probabilities: true }, { temperature: 0 });
    const step = await iterator.next();
    await iterator.return();
    await context.dispose();
    await model.dispose();
    assert.ok(step.done !== true);
    return [...step.value.probabilities.entries()].slice(0, 5);
  };
  const [f32, f16, q8] = [await topTokens('f32'), await topTokens('f16'), await topTokens('q8_0')];
  assert.equal(f16[0]?.[0], f32[0]?.[0]);
  assert.ok(Math.abs((f16[0]?.[1] ?? 0) - (f32[0]?.[1] ?? 0)) < 0.01);
  assert.equal(q8[0]?.[0], f32[0]?.[0]);
  assert.ok(Math.abs((q8[0]?.[1] ?? 0) - (f32[0]?.[1] ?? 0)) < 0.05);
});
