import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeGgufFile } from '../electron/core/gguf/gguf-writer.ts';
import { buildTestModel, type TestModelOptions } from '../test/support/gguf/test-model-builder.ts';
import { ensureLlamaSource } from './llama-source.ts';

/**
 * Writes a small random-weight GGUF chat model for demos and manual testing, e.g.
 *   node scripts/make-test-model.ts --out /tmp/demo.gguf --arch qwen2 --vocab qwen2 --n-embd 128
 */
const usage = `Usage: node scripts/make-test-model.ts --out FILE [--arch llama|qwen2|qwen3] [--vocab tiny|qwen2|llama-spm]
  [--n-embd N] [--n-layer N] [--n-head N] [--n-head-kv N] [--head-dim N] [--n-ff N] [--tied] [--rope-freqs]
  [--dtype f32|f16|q8_0] [--seed N] [--context-length N]`;

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    arch: { type: 'string' },
    vocab: { type: 'string' },
    'n-embd': { type: 'string' },
    'n-layer': { type: 'string' },
    'n-head': { type: 'string' },
    'n-head-kv': { type: 'string' },
    'head-dim': { type: 'string' },
    'n-ff': { type: 'string' },
    tied: { type: 'boolean' },
    'rope-freqs': { type: 'boolean' },
    dtype: { type: 'string' },
    seed: { type: 'string' },
    'context-length': { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help === true || values.out === undefined) {
  console.log(usage);
  process.exit(values.help === true ? 0 : 2);
}
const integer = (value: string | undefined) => (value === undefined ? undefined : Number.parseInt(value, 10));
const options: TestModelOptions = Object.fromEntries(
  Object.entries({
    arch: values.arch,
    vocab: values.vocab,
    nEmbd: integer(values['n-embd']),
    nLayer: integer(values['n-layer']),
    nHead: integer(values['n-head']),
    nHeadKv: integer(values['n-head-kv']),
    headDim: integer(values['head-dim']),
    nFf: integer(values['n-ff']),
    tiedEmbeddings: values.tied,
    ropeFreqFactors: values['rope-freqs'],
    dtype: values.dtype,
    seed: integer(values.seed),
    contextLength: integer(values['context-length']),
  }).filter(([, value]) => value !== undefined),
);
const started = Date.now();
const built = buildTestModel(options, path.join(ensureLlamaSource(), 'models'));
const out = path.resolve(values.out);
writeGgufFile(out, { metadata: built.metadata, tensors: built.tensors });
console.log(
  `${out}: ${built.options.arch}, vocab ${built.options.vocab} (${built.tokenizer.vocabSize} tokens), ${built.tensors.length} tensors, ${Date.now() - started} ms`,
);
