import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TokenBias, type Token } from 'node-llama-cpp';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import type { LocalModel } from '../../../electron/core/llm/local-model.ts';
import { testModelPath } from '../../support/test-model.ts';

/**
 * The planner's sampling in the agentflow profile follows vLLM's: the frequency penalty counts every token
 * generated so far (node-llama-cpp's default window is the last 64), and topK 0 means no top-k cut (node-llama-cpp
 * adds top-k 40 when it is unset). Checked on a random-weight model through the real engine.
 */
let model: LocalModel;
const messages = [{ role: 'user' as const, content: 'Write something long.' }];

before(async () => {
  const engine = await getEngine({ gpu: false });
  model = await engine.loadModel({ path: testModelPath(), contextSize: 1024, threads: 1 });
});
after(async () => {
  await model.dispose();
});

test('the frequency penalty counts all generated tokens, as vLLM does, not only the last 64', async () => {
  const penalty = 1.2;
  const generation = await model.generate({ messages, sampling: { temperature: 0, frequencyPenalty: penalty, maxTokens: 240 } });
  assert.ok(generation.responseTokens.length > 160, `long enough to tell the windows apart (${generation.responseTokens.length} tokens)`);

  // The same greedy decoding with the penalty applied by hand: logit - penalty * count over the whole response.
  const context = await model.llamaModel.createContext({ contextSize: 1024, threads: 1 });
  try {
    const sequence = context.getSequence();
    const tokens = [...generation.promptTokens] as Token[];
    const expected: number[] = [];
    const counts = new Map<Token, number>();
    while (expected.length < generation.responseTokens.length) {
      const bias = new TokenBias(model.llamaModel.tokenizer);
      for (const [token, count] of counts) bias.set(token, { logit: -penalty * count });
      const iterator = sequence.evaluate(tokens.slice(sequence.nextTokenIndex), { temperature: 0, tokenBias: bias, yieldEogToken: true });
      const step = await iterator.next();
      await iterator.return();
      assert.ok(step.done !== true);
      const token = step.value;
      expected.push(token);
      if (model.llamaModel.isEogToken(token)) break;
      tokens.push(token);
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    assert.deepEqual(generation.responseTokens, expected);
  } finally {
    await context.dispose();
  }
});

test('topK 0 samples from the whole vocabulary; unset, node-llama-cpp keeps the top 40', async () => {
  const firstTokens = async (topK: number | undefined) => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 120; seed++) {
      const generation = await model.generate({
        messages,
        sampling: { temperature: 3, seed, maxTokens: 1, ...(topK === undefined ? {} : { topK }) },
      });
      seen.add(generation.responseTokens[0]!);
    }
    return seen.size;
  };
  assert.ok((await firstTokens(undefined)) <= 40);
  assert.ok((await firstTokens(0)) > 40, 'more than 40 different first tokens without a top-k cut');
});
