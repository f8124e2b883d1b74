import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NativeTrainer, TrainingSample } from '../../../electron/core/training/trainer/native-trainer.ts';
import { testModelPath } from '../../support/test-model.ts';
import { allTargets, mean, trainerModule } from './trainer-fixtures.ts';

/** Four completions of one prompt sampled from the base model by node-llama-cpp (temperature 1). */
async function sampledCompletions(modelPath: string): Promise<{ prompt: number[]; completions: number[][] }> {
  const { llama } = await trainerModule();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    const context = await model.createContext({ contextSize: 128, threads: 1 });
    const sequence = context.getSequence();
    const prompt = model.tokenize('Plan: search the memory, then answer.');
    const completions: number[][] = [];
    for (let seed = 1; completions.length < 4; seed++) {
      await sequence.clearHistory();
      const tokens: number[] = [];
      for await (const token of sequence.evaluate(prompt, { temperature: 1, seed })) {
        tokens.push(token);
        if (tokens.length === 10) break;
      }
      if (tokens.length === 10) completions.push(tokens);
    }
    await context.dispose();
    return { prompt, completions };
  } finally {
    await model.dispose();
  }
}

async function meanLogprobs(trainer: NativeTrainer, samples: TrainingSample[], adapter = true): Promise<number[]> {
  return (await trainer.logprobs(samples, { adapter })).map((values) => mean(values));
}

test('GRPO with advantages +1/-1 raises the positive completions and lowers the negative ones', async () => {
  const modelPath = testModelPath({ arch: 'qwen2' });
  const { prompt, completions } = await sampledCompletions(modelPath);
  const module = await trainerModule();
  const trainer = await module.createTrainer({ modelPath, lora: { rank: 8, alpha: 16, targets: allTargets } });
  try {
    const samples = completions.map((responseTokens, i) => ({ promptTokens: prompt, responseTokens, advantage: i % 2 === 0 ? 1 : -1 }));
    const before = await meanLogprobs(trainer, samples);
    const phases: string[] = [];
    for (let i = 0; i < 10; i++) {
      const metrics = await trainer.step(
        { samples, objective: 'grpo', learningRate: 5e-3, klBeta: 0 },
        { onProgress: (progress) => phases.push(progress.phase) },
      );
      assert.equal(metrics.skipped, false);
      assert.equal(metrics.step, i + 1);
      assert.ok(metrics.tokensPerSecond > 0 && metrics.tokens === 40);
    }
    // the old policy is the current adapter (one update per rollout batch), so no separate old-policy pass runs
    assert.deepEqual(phases.slice(0, 2), ['train', 'update'], 'progress: training pass, then the update');
    const after = await meanLogprobs(trainer, samples);
    for (let i = 0; i < samples.length; i++) {
      if (i % 2 === 0) assert.ok((after[i] as number) > (before[i] as number) + 1, `positive ${i}: ${before[i]} -> ${after[i]}`);
      else assert.ok((after[i] as number) < (before[i] as number) - 1, `negative ${i}: ${before[i]} -> ${after[i]}`);
    }
  } finally {
    await trainer.dispose();
  }
});

test('a large KL coefficient holds the policy near the base model', async () => {
  const modelPath = testModelPath({ arch: 'qwen2' });
  const module = await trainerModule();
  const prompt = [5, 17, 99, 230];
  const samples = [
    [301, 44, 12, 9, 77],
    [88, 140, 2, 19, 410],
    [500, 23, 45, 61, 7],
    [9, 9, 120, 33, 250],
  ].map((responseTokens, i) => ({ promptTokens: prompt, responseTokens, advantage: i % 2 === 0 ? 1 : -1 }));
  const drift: Record<string, number> = {};
  const kl: Record<string, number> = {};
  for (const klBeta of [0, 5]) {
    const trainer = await module.createTrainer({ modelPath, lora: { rank: 8, alpha: 16, targets: allTargets } });
    try {
      let last = 0;
      for (let i = 0; i < 12; i++) last = (await trainer.step({ samples, objective: 'grpo', learningRate: 5e-3, klBeta })).kl;
      const policy = await meanLogprobs(trainer, samples);
      const base = await meanLogprobs(trainer, samples, false);
      drift[klBeta] = Math.max(...policy.map((value, i) => Math.abs(value - (base[i] as number))));
      kl[klBeta] = last;
    } finally {
      await trainer.dispose();
    }
  }
  assert.ok((drift[5] as number) < (drift[0] as number) / 3, `drift with beta 5: ${drift[5]}, without: ${drift[0]}`);
  assert.ok((kl[5] as number) < 0.1, `KL with beta 5: ${kl[5]}`);
});

test('SFT raises the weighted log-likelihood of the demonstrations', async () => {
  const modelPath = testModelPath({ arch: 'llama' });
  const module = await trainerModule();
  const trainer = await module.createTrainer({ modelPath, lora: { rank: 4, alpha: 8, targets: ['q', 'v', 'up', 'down'] } });
  try {
    const samples = [
      { promptTokens: [1, 40, 41], responseTokens: [50, 51, 52, 53], weight: 1 },
      { promptTokens: [1, 60], responseTokens: [70, 71, 72], weight: 0 },
    ];
    const before = await meanLogprobs(trainer, samples);
    let first = 0;
    let last = 0;
    for (let i = 0; i < 8; i++) {
      last = (await trainer.step({ samples, objective: 'sft', learningRate: 1e-2 })).loss;
      if (i === 0) first = last;
    }
    const after = await meanLogprobs(trainer, samples);
    assert.ok(last < first, `loss ${first} -> ${last}`);
    assert.ok((after[0] as number) > (before[0] as number) + 1, `weighted sample: ${before[0]} -> ${after[0]}`);
    assert.ok(
      Math.abs((after[1] as number) - (before[1] as number)) < Math.abs((after[0] as number) - (before[0] as number)) / 2,
      'a zero-weight sample is not trained on',
    );
  } finally {
    await trainer.dispose();
  }
});
