import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readGgufFile, readGgufTensor } from '../../../electron/core/gguf/gguf-reader.ts';
import { CHATML_TEMPLATE } from '../../../electron/core/gguf/chatml-template.ts';
import { TINY_VOCAB_REGULAR_TOKENS } from '../../support/gguf/tokenizer-metadata.ts';
import { testLoraPath, testModelPath, testModelsDir } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';

const node = path.resolve('node_modules/.bin/node');

test('the default test model is a small qwen2 ChatML model with the tiny vocabulary', () => {
  const file = testModelPath();
  assert.ok(file.startsWith(testModelsDir) && file.endsWith('.gguf'));
  const info = readGgufFile(file);
  const meta = (key: string) => info.metadata.get(key)?.value;
  assert.equal(meta('general.architecture'), 'qwen2');
  assert.equal(meta('qwen2.embedding_length'), 64);
  assert.equal(meta('qwen2.block_count'), 2);
  assert.equal(meta('qwen2.rope.freq_base'), 1000000);
  assert.equal(meta('tokenizer.chat_template'), CHATML_TEMPLATE);
  const tokens = meta('tokenizer.ggml.tokens') as string[];
  assert.equal(tokens.length, TINY_VOCAB_REGULAR_TOKENS + 3);
  assert.deepEqual(tokens.slice(-3), ['<|endoftext|>', '<|im_start|>', '<|im_end|>']);
  assert.equal(meta('tokenizer.ggml.eos_token_id'), tokens.indexOf('<|im_end|>'));
  assert.equal(meta('tokenizer.ggml.padding_token_id'), tokens.indexOf('<|endoftext|>'));
  const merges = meta('tokenizer.ggml.merges') as string[];
  assert.ok(merges.length > 1000, `${merges.length} merges`);
  const known = new Set(tokens);
  for (const merge of merges) {
    const [left = '', right = ''] = merge.split(' ');
    assert.ok(known.has(left) && known.has(right) && known.has(left + right), merge);
  }
  const embedding = info.tensors.find((tensor) => tensor.name === 'token_embd.weight');
  assert.deepEqual(embedding?.dims, [64, tokens.length]);
  assert.ok(info.tensors.some((tensor) => tensor.name === 'blk.1.attn_q.bias'));
  assert.ok(info.tensors.some((tensor) => tensor.name === 'output.weight'));
});

test('arch variants carry the tensors llama.cpp expects of them', () => {
  const names = (options: Parameters<typeof testModelPath>[0]) => readGgufFile(testModelPath(options)).tensors.map((tensor) => tensor.name);
  const qwen3 = readGgufFile(testModelPath({ arch: 'qwen3' }));
  assert.equal(qwen3.metadata.get('qwen3.attention.key_length')?.value, 32); // not nEmbd / nHead = 16
  assert.ok(qwen3.tensors.some((tensor) => tensor.name === 'blk.0.attn_q_norm.weight' && tensor.dims[0] === 32));
  assert.ok(!qwen3.tensors.some((tensor) => tensor.name.endsWith('.bias')));
  const llama3 = names({ arch: 'llama', ropeFreqFactors: true, tiedEmbeddings: true });
  assert.ok(llama3.includes('rope_freqs.weight'));
  assert.ok(!llama3.includes('output.weight'));
  const f16 = readGgufFile(testModelPath({ dtype: 'f16' }));
  assert.equal(f16.tensors.find((tensor) => tensor.name === 'blk.0.attn_q.weight')?.type, 1);
  assert.equal(f16.tensors.find((tensor) => tensor.name === 'blk.0.attn_norm.weight')?.type, 0);
  assert.throws(() => testModelPath({ arch: 'qwen2', ropeFreqFactors: true }), /ropeFreqFactors is only for arch "llama"/);
  assert.throws(() => testModelPath({ dtype: 'q8_0', nEmbd: 48, nHead: 3 }), /q8_0 needs nEmbd, nFf and nHead x headDim to be multiples of 32/);
  assert.throws(() => testModelPath({ arch: 'gpt2' as never }), /arch "gpt2" \(llama, qwen2 or qwen3\)/);
  const q8 = readGgufFile(testModelPath({ dtype: 'q8_0' }));
  assert.equal(q8.tensors.find((tensor) => tensor.name === 'blk.0.ffn_up.weight')?.type, 8);
  assert.equal(q8.metadata.get('general.file_type')?.value, 7);
});

test('weights are reproducible from the seed and differ between seeds', () => {
  const first = readGgufTensor(readGgufFile(testModelPath({ seed: 11 })), 'blk.0.attn_q.weight');
  const again = readGgufTensor(readGgufFile(testModelPath({ seed: 11 })), 'blk.0.attn_q.weight');
  const other = readGgufTensor(readGgufFile(testModelPath({ seed: 12 })), 'blk.0.attn_q.weight');
  assert.deepEqual(first, again);
  assert.notDeepEqual(first, other);
});

test('a LoRA adapter for a test model has lora_a/lora_b pairs shaped for its tensors', () => {
  const info = readGgufFile(testLoraPath({}, { rank: 4 }));
  assert.equal(info.metadata.get('general.type')?.value, 'adapter');
  assert.equal(info.metadata.get('adapter.type')?.value, 'lora');
  assert.deepEqual(info.tensors.find((tensor) => tensor.name === 'blk.0.attn_q.weight.lora_a')?.dims, [64, 4]);
  assert.deepEqual(info.tensors.find((tensor) => tensor.name === 'blk.0.attn_v.weight.lora_b')?.dims, [4, 32]);
});

test('two processes asking for the same new test model at once both get a complete file', async () => {
  const seed = 1_000_000 + process.pid;
  const script = path.join(tempDir(), 'make.ts');
  fs.writeFileSync(
    script,
    `import { testModelPath } from ${JSON.stringify(path.resolve('test/support/test-model.ts'))};\nconsole.log(testModelPath({ seed: ${seed} }));\n`,
  );
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(node, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
      });
      child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`))));
    });
  const [first, second] = await Promise.all([run(), run()]);
  assert.equal(first, second);
  assert.equal(readGgufFile(first ?? '').tensors.length, readGgufFile(testModelPath()).tensors.length);
  const base = path.basename(first ?? '');
  assert.deepEqual(
    fs.readdirSync(testModelsDir).filter((name) => name.startsWith(`${base}.tmp-`)),
    [],
  );
  fs.rmSync(first ?? '', { force: true });
});
