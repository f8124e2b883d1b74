import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { gguf } from '../../../electron/core/gguf/gguf-format.ts';
import { writeGgufFile } from '../../../electron/core/gguf/gguf-writer.ts';
import type { NativeTrainer, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { trainerModule } from './trainer-fixtures.ts';

function hasCode(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(InflowError.isInstance(error), `expected an InflowError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

async function withTrainer(
  fn: (trainer: NativeTrainer) => Promise<void>,
  options: { memoryLimitBytes?: number; microBatchTokens?: number } = {},
): Promise<void> {
  const module = await trainerModule();
  const trainer = await module.createTrainer({
    modelPath: testModelPath({ arch: 'qwen2' }),
    lora: { rank: 4, alpha: 8, targets: ['q', 'v'] },
    ...options,
  });
  try {
    await fn(trainer);
  } finally {
    await trainer.dispose();
  }
}

const good: TrainingSample = { promptTokens: [1, 2, 3], responseTokens: [4, 5], advantage: 1 };

test('a file that is not GGUF, a missing file and truncated models are refused', async () => {
  const file = path.join(tempDir(), 'model.gguf');
  fs.writeFileSync(file, 'this is not a model');
  const module = await trainerModule();
  await assert.rejects(
    module.createTrainer({ modelPath: file, lora: { rank: 4, alpha: 8, targets: ['q'] } }),
    hasCode('NOT_GGUF', /not a GGUF file/),
  );
  await assert.rejects(
    module.createTrainer({ modelPath: path.join(tempDir(), 'missing.gguf'), lora: { rank: 4, alpha: 8, targets: ['q'] } }),
    hasCode('MODEL_NOT_FOUND'),
  );
  const complete = fs.readFileSync(testModelPath({ arch: 'llama' }));
  for (const [size, code] of [
    [100, 'BAD_MODEL'],
    [complete.length - 10, 'BAD_MODEL'],
  ] as const) {
    fs.writeFileSync(file, complete.subarray(0, size));
    await assert.rejects(
      module.createTrainer({ modelPath: file, lora: { rank: 4, alpha: 8, targets: ['q'] } }),
      hasCode(code, /cannot (parse|read)/),
    );
  }
});

test('a mixture-of-experts model is refused before any weight is loaded', async () => {
  const module = await trainerModule();
  const moeArch = path.join(tempDir(), 'qwen3moe.gguf');
  writeGgufFile(moeArch, { metadata: [['general.architecture', gguf.string('qwen3moe')]], tensors: [] });
  await assert.rejects(
    module.createTrainer({ modelPath: moeArch, lora: { rank: 4, alpha: 8, targets: ['q'] } }),
    hasCode('UNSUPPORTED_ARCHITECTURE', /qwen3moe/),
  );
  const mixtral = path.join(tempDir(), 'mixtral.gguf');
  writeGgufFile(mixtral, {
    metadata: [
      ['general.architecture', gguf.string('llama')],
      ['llama.expert_count', gguf.u32(8)],
    ],
    tensors: [],
  });
  await assert.rejects(
    module.createTrainer({ modelPath: mixtral, lora: { rank: 4, alpha: 8, targets: ['q'] } }),
    hasCode('UNSUPPORTED_ARCHITECTURE', /mixture of experts/),
  );
});

test('an adapter trained for another architecture is refused on resume', async () => {
  const module = await trainerModule();
  const llama = await module.createTrainer({ modelPath: testModelPath({ arch: 'llama' }), lora: { rank: 4, alpha: 8, targets: ['q'] } });
  const adapter = path.join(tempDir(), 'llama-adapter.gguf');
  await llama.saveAdapter(adapter);
  await llama.dispose();
  await assert.rejects(
    module.createTrainer({ modelPath: testModelPath({ arch: 'qwen2' }), lora: { rank: 4, alpha: 8, targets: ['q'] }, resumeAdapter: adapter }),
    hasCode('ADAPTER_ARCH_MISMATCH', /'llama'.*'qwen2'/),
  );
  await assert.rejects(
    module.createTrainer({
      modelPath: testModelPath({ arch: 'llama' }),
      lora: { rank: 4, alpha: 8, targets: ['q'] },
      resumeAdapter: testModelPath({ arch: 'llama' }),
    }),
    hasCode('BAD_ADAPTER'),
  );
});

test('bad LoRA options are refused', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen2' });
  await assert.rejects(module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: ['attn_qkv'] } }), hasCode('BAD_OPTIONS', /attn_qkv/));
  await assert.rejects(module.createTrainer({ modelPath, lora: { rank: 0, alpha: 8, targets: ['q'] } }), hasCode('BAD_OPTIONS', /rank/));
  await assert.rejects(module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: [] } }), hasCode('BAD_OPTIONS', /targets/));
});

test('empty, over-long and out-of-vocabulary samples are refused and the trainer keeps working', async () => {
  await withTrainer(
    async (trainer) => {
      const vocab = trainer.info().model.vocabularySize;
      const step = (samples: TrainingSample[]) => trainer.step({ samples, objective: 'grpo', learningRate: 1e-3 });
      await assert.rejects(step([]), hasCode('EMPTY_BATCH'));
      await assert.rejects(step([good, { promptTokens: [1], responseTokens: [], advantage: 1 }]), hasCode('EMPTY_SAMPLE', /sample 1/));
      await assert.rejects(step([{ promptTokens: [], responseTokens: [4], advantage: 1 }]), hasCode('EMPTY_PROMPT'));
      await assert.rejects(
        step([{ promptTokens: [1, 2], responseTokens: Array.from({ length: 80 }, () => 7), advantage: 1 }]),
        hasCode('SAMPLE_TOO_LONG', /82 tokens; the limit is 64/),
      );
      await assert.rejects(
        step([{ promptTokens: [1, vocab], responseTokens: [4], advantage: 1 }]),
        hasCode('TOKEN_OUT_OF_RANGE', new RegExp(`token id ${vocab} outside`)),
      );
      await assert.rejects(trainer.logprobs([{ promptTokens: [1, -3], responseTokens: [4] }]), hasCode('TOKEN_OUT_OF_RANGE'));
      await assert.rejects(
        trainer.step({ samples: [{ ...good, oldLogprobs: [-1] }], objective: 'grpo', learningRate: 1e-3, oldLogprobs: 'given' }),
        hasCode('BAD_SAMPLE', /one entry per response token/),
      );
      await assert.rejects(trainer.step({ samples: [good], objective: 'grpo', learningRate: -1 }), hasCode('BAD_OPTIONS'));
      const metrics = await step([good]);
      assert.equal(metrics.skipped, false);
      assert.equal(metrics.step, 1);
    },
    { microBatchTokens: 64 },
  );
});

test('a job too big for the memory limit is refused before any work, saying what to change', async () => {
  await withTrainer(
    async (trainer) => {
      const long: TrainingSample = { promptTokens: [1], responseTokens: Array.from({ length: 1500 }, (_, i) => 3 + (i % 500)), advantage: 1 };
      const estimate = await trainer.estimateMemory({ tokens: 1501 });
      assert.equal(estimate.fits, false);
      assert.ok(estimate.computeBytes > estimate.availableBytes);
      const before = trainer.getParameter(trainer.parameterNames()[0] as string);
      await assert.rejects(trainer.step({ samples: [long], objective: 'grpo', learningRate: 1e-3 }), hasCode('JOB_TOO_LARGE', /1501 tokens needs/));
      assert.deepEqual(trainer.getParameter(trainer.parameterNames()[0] as string), before);
      assert.equal(trainer.info().step, 0);
      assert.equal((await trainer.step({ samples: [good], objective: 'grpo', learningRate: 1e-3 })).skipped, false);
    },
    { memoryLimitBytes: 8 * 1024 * 1024 },
  );
  const module = await trainerModule();
  await assert.rejects(
    module.createTrainer({ modelPath: testModelPath({ arch: 'qwen2' }), lora: { rank: 4, alpha: 8, targets: ['q'] }, memoryLimitBytes: 1000 }),
    hasCode('JOB_TOO_LARGE', /model needs/),
  );
});

test('an aborted step is cancelled and leaves the adapter unchanged', async () => {
  await withTrainer(
    async (trainer) => {
      const controller = new AbortController();
      controller.abort();
      const name = trainer.parameterNames()[1] as string;
      const before = trainer.getParameter(name);
      await assert.rejects(
        trainer.step({ samples: [good], objective: 'sft', learningRate: 1e-2 }, { signal: controller.signal }),
        hasCode('CANCELLED'),
      );
      assert.deepEqual(trainer.getParameter(name), before);
      const running = new AbortController();
      const samples = Array.from({ length: 8 }, () => ({
        promptTokens: [1, 2],
        responseTokens: Array.from({ length: 500 }, (_, i) => 3 + i),
        advantage: 1,
      }));
      const pending = trainer.step(
        { samples, objective: 'grpo', learningRate: 1e-2, klBeta: 0.1 },
        { signal: running.signal, onProgress: () => running.abort() },
      );
      await assert.rejects(pending, hasCode('CANCELLED'));
      assert.deepEqual(trainer.getParameter(name), before);
    },
    { microBatchTokens: 1024 },
  );
});

test('a non-finite loss skips the update and says so', async () => {
  await withTrainer(async (trainer) => {
    const name = 'blk.0.attn_v.weight.lora_b';
    const broken = trainer.getParameter(name);
    broken[0] = Number.POSITIVE_INFINITY;
    trainer.setParameter(name, broken);
    const other = 'blk.1.attn_q.weight.lora_a';
    const before = trainer.getParameter(other);
    const metrics = await trainer.step({ samples: [good], objective: 'sft', learningRate: 1e-2 });
    assert.equal(metrics.skipped, true);
    assert.match(metrics.skipReason ?? '', /non-finite/);
    assert.equal(metrics.step, 0);
    assert.deepEqual(trainer.getParameter(other), before);
  });
});

test('dispose cancels the running step and the queued jobs, frees the trainer, and later calls say it was disposed', async () => {
  const module = await trainerModule();
  const trainer = await module.createTrainer({ modelPath: testModelPath({ arch: 'qwen2' }), lora: { rank: 4, alpha: 8, targets: ['q', 'v'] } });
  const samples = Array.from({ length: 6 }, () => ({
    promptTokens: [1, 2],
    responseTokens: Array.from({ length: 600 }, (_, i) => 3 + i),
    advantage: 1,
  }));
  const pending = trainer.step({ samples, objective: 'grpo', klBeta: 0.1, learningRate: 1e-3 });
  const queued = trainer.logprobs([good]);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the step is running in the addon now
  await trainer.dispose();
  await assert.rejects(pending, hasCode('CANCELLED'));
  await assert.rejects(queued, hasCode('CANCELLED', /disposed/));
  assert.throws(() => trainer.info(), hasCode('DISPOSED'));
  await assert.rejects(trainer.step({ samples: [good], objective: 'sft', learningRate: 1e-3 }), hasCode('DISPOSED'));
});
