import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import type { StepRequest } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath } from '../../support/test-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allTargets, maxAbsDifference, randomizeLoraB, randomSamples, trainerModule } from './trainer-fixtures.ts';

/**
 * A run that starts from an adapter (an SFT warm start, `--from-adapter`) keeps its KL term to that starting policy,
 * not to the bare base model: verl's reference is the model the run started from. Without `referenceAdapter` the
 * reference is the base alone, as before.
 */
test('the KL reference is the adapter a run started from: zero KL at the start, frozen while the policy moves', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen2' });
  const lora = { rank: 4, alpha: 8, targets: allTargets };
  const samples = randomSamples(1500, [
    { prompt: 6, response: 8, advantage: 1 },
    { prompt: 5, response: 7, advantage: -1 },
  ]);
  const warm = path.join(tempDir(), 'warm.gguf');
  const sft = await module.createTrainer({ modelPath, lora });
  try {
    randomizeLoraB(sft, 5, 0.2); // a warm start far from the base model
    await sft.saveAdapter(warm);
  } finally {
    await sft.dispose();
  }
  const request: StepRequest = { samples, objective: 'grpo', klBeta: 0.1, learningRate: 1e-2 };

  const fromWarm = await module.createTrainer({ modelPath, lora, resumeAdapter: warm, referenceAdapter: warm });
  const fromBase = await module.createTrainer({ modelPath, lora, resumeAdapter: warm });
  try {
    const policy = await fromWarm.logprobs(samples, { adapter: true });
    const reference = await fromWarm.logprobs(samples, { adapter: false });
    assert.equal(maxAbsDifference(reference, policy), 0, 'at the start the reference is the policy itself');
    const base = await fromBase.logprobs(samples, { adapter: false });
    assert.ok(
      maxAbsDifference(base, policy) > 0.01,
      `without a reference adapter the reference is the base model (${maxAbsDifference(base, policy)})`,
    );

    const first = await fromWarm.step(request);
    assert.ok(Math.abs(first.kl) < 1e-6, `first step's KL from the warm start: ${first.kl}`);
    const firstFromBase = await fromBase.step(request);
    assert.ok(firstFromBase.kl > 1e-3, `first step's KL from the base model: ${firstFromBase.kl}`);

    for (let i = 0; i < 3; i++) await fromWarm.step(request);
    const moved = await fromWarm.logprobs(samples, { adapter: true });
    assert.ok(maxAbsDifference(moved, policy) > 1e-3, 'the policy moved');
    assert.equal(maxAbsDifference(await fromWarm.logprobs(samples, { adapter: false }), reference), 0, 'the reference did not');
    assert.ok((await fromWarm.step(request)).kl > 0, 'and the KL now measures the distance between them');
  } finally {
    await fromWarm.dispose();
    await fromBase.dispose();
  }
});

test('a reference adapter that cannot be read is refused by name', async () => {
  const module = await trainerModule();
  const modelPath = testModelPath({ arch: 'qwen2' });
  const missing = path.join(tempDir(), 'gone.gguf');
  await assert.rejects(
    module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: ['q'] }, referenceAdapter: missing }),
    (error: unknown) => {
      assert.ok(error instanceof InflowError, String(error));
      assert.match(error.message, /gone\.gguf/);
      return true;
    },
  );
});
