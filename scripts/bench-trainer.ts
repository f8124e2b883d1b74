/**
 * `npm run bench:trainer`: speed and memory of the native LoRA trainer on test models at 256, 1024 and 2048 tokens,
 * next to node-llama-cpp's own forward pass over the same tokens.
 *
 * For each model and length it prints: the SFT step time (one forward + backward over all tokens, the optimizer
 * included) and its tokens/s, the same with per-layer recomputation, the GRPO step time (adds an old-policy and a
 * reference forward pass), the trainer's forward-only time (logprobs), node-llama-cpp's prompt evaluation time, the
 * ratio SFT step / node-llama-cpp forward, the peak compute buffers (full graph / recomputation) and the peak RSS.
 *
 * Options: --threads N (default 1; more threads than free cores is catastrophic with ggml's spinning threadpool),
 * --repeats N (default 3, median reported), --lengths 256,1024,2048, --models small,small-q8_0,tiny,
 * --vs-autodiff (adds the SFT step of ggml's autodiff backward, timed alternately with the hand-written one's, and the
 * spread [min-max] of both).
 * --vs-blockwise: the alternated SFT step vs node-llama-cpp forward also times a trainer with `fusedAttention: false`
 * (the blockwise ggml attention the CPU ran before the fused kernels, and GPUs still run) in the same rotation, so
 * that before and after are measured like for like; --ratio-only prints only those alternated lines.
 * --sharing: prefix sharing on and off, like for like: a GRPO step over 4 task groups of 8 samples that share their
 * group's 460-token prompt (60-token responses, the acceptance suite's planner turn), timed alternately; packed tokens,
 * medians and ranges.
 * --vs-torch: the comparison with the PyTorch reference instead (scripts/bench-trainer-torch.ts; --threads may be a
 * list, default 1,2; --models default tiny,small).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LlamaModel } from 'node-llama-cpp';
import { loadNativeTrainer, type NativeTrainerModule, type TrainingSample } from '../electron/core/training/trainer/native-trainer.ts';
import { testModelPath, testModelsDir, type TestModelOptions } from '../test/support/test-model.ts';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '3' },
    lengths: { type: 'string', default: '256,1024,2048' },
    models: { type: 'string' },
    'vs-torch': { type: 'boolean', default: false },
    gpu: { type: 'boolean', default: false },
    'vs-autodiff': { type: 'boolean', default: false },
    'vs-blockwise': { type: 'boolean', default: false },
    'ratio-only': { type: 'boolean', default: false },
    sharing: { type: 'boolean', default: false },
  },
});
if (values['vs-torch']) {
  const { benchVsTorch } = await import('./bench-trainer-torch.ts');
  await benchVsTorch({
    threads: (process.argv.some((arg) => arg.startsWith('--threads')) ? values.threads : '1,2').split(',').map(Number),
    rounds: Math.max(1, Number(values.repeats)),
    lengths: values.lengths.split(',').map(Number),
    models: (values.models ?? 'tiny,small').split(','),
  });
  process.exit(0);
}
const threads = Number(values.threads);
const repeats = Math.max(1, Number(values.repeats));
const lengths = values.lengths.split(',').map(Number);

const shapes: Record<string, { options: TestModelOptions; type?: string }> = {
  tiny: { options: { arch: 'qwen2' } },
  small: { options: { arch: 'qwen2', nEmbd: 256, nLayer: 4, nHead: 8, nHeadKv: 2, nFf: 768 } },
  'small-q8_0': { options: { arch: 'qwen2', nEmbd: 256, nLayer: 4, nHead: 8, nHeadKv: 2, nFf: 768 }, type: 'q8_0' },
};

async function modelFile(module: NativeTrainerModule, name: string): Promise<string> {
  const shape = shapes[name];
  if (shape === undefined) throw new Error(`unknown model '${name}' (known: ${Object.keys(shapes).join(', ')})`);
  const f32 = testModelPath({ ...shape.options, contextLength: 4096 });
  if (shape.type === undefined) return f32;
  const file = path.join(testModelsDir, `${path.basename(f32, '.gguf')}-${shape.type}.gguf`);
  await module.convertModel(f32, file, shape.type);
  return file;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await fn();
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
}

interface Timing {
  median: number;
  min: number;
  max: number;
  cpu: number;
}

/**
 * Times two jobs alternately (A B, B A, ...), so that a change of load hits both: wall-clock medians and ranges, and
 * the median CPU time of the process over each job (all threads: the trainer's and node-llama-cpp's own), which other
 * load on a shared machine disturbs less than the wall clock.
 */
async function timedPair(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[Timing, Timing]> {
  return (await timedAlternately([a, b])) as [Timing, Timing];
}

/** timedPair for any number of jobs: in order on even rounds, in reverse order on odd ones. */
async function timedAlternately(jobs: Array<() => Promise<unknown>>): Promise<Timing[]> {
  for (const job of jobs) await job();
  const times: number[][] = jobs.map(() => []),
    cpu: number[][] = jobs.map(() => []);
  for (let i = 0; i < repeats; i++) {
    const order = jobs.map((_, j) => (i % 2 === 0 ? j : jobs.length - 1 - j));
    for (const side of order) {
      const started = performance.now(),
        startedCpu = process.cpuUsage();
      await (jobs[side] as () => Promise<unknown>)();
      const used = process.cpuUsage(startedCpu);
      (times[side] as number[]).push((performance.now() - started) / 1000);
      (cpu[side] as number[]).push((used.user + used.system) / 1e6);
    }
  }
  return jobs.map((_, side) => {
    const list = times[side] as number[];
    return { median: median(list), min: Math.min(...list), max: Math.max(...list), cpu: median(cpu[side] as number[]) };
  });
}

async function nodeLlamaCppForward(model: LlamaModel, tokens: number[]): Promise<number> {
  const context = await model.createContext({ contextSize: Math.max(512, tokens.length + 16), batchSize: tokens.length, threads });
  const sequence = context.getSequence();
  try {
    return await timed(async () => {
      await sequence.clearHistory();
      await sequence.evaluateWithoutGeneratingNewTokens(tokens as never[]);
    });
  } finally {
    await context.dispose();
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

// --gpu: the trainer on node-llama-cpp's GPU backend (npm run check:gpu); node-llama-cpp's forward stays on the CPU
const module = await loadNativeTrainer({ gpu: values.gpu ? 'auto' : false });
console.log(
  `native trainer bench: ${module.runtime.devices.join(', ')}, ggml ${module.runtime.ggmlVersion}, threads ${threads}, median of ${repeats}`,
);
if (values.sharing) {
  console.log('model   samples  packed tokens shared / apart   GRPO step shared [range]   apart [range]   apart / shared');
  for (const name of (values.models ?? 'tiny,small').split(',')) {
    const modelPath = await modelFile(module, name);
    const lora = { rank: 16, alpha: 32, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
    const shared = await module.createTrainer({ modelPath, lora, threads, microBatchTokens: 4096 });
    const apart = await module.createTrainer({ modelPath, lora, threads, microBatchTokens: 4096, sharePrefixes: false });
    try {
      const vocab = shared.info().model.vocabularySize;
      const token = (i: number) => 3 + ((i * 2654435761) % (vocab - 3));
      const samples: TrainingSample[] = [];
      for (let g = 0; g < 4; g++) {
        const prompt = Array.from({ length: 460 }, (_, i) => token(g * 100_000 + i));
        for (let r = 0; r < 8; r++)
          samples.push({
            promptTokens: prompt,
            responseTokens: Array.from({ length: 60 }, (_, i) => token(g * 100_000 + r * 1000 + 50_000 + i)),
            advantage: r % 2 === 0 ? 1 : -1,
          });
      }
      const request = { samples, objective: 'grpo' as const, learningRate: 0, apply: false };
      const [a, b] = (await timedPair(
        () => shared.step(request),
        () => apart.step(request),
      )) as [{ median: number; min: number; max: number }, { median: number; min: number; max: number }];
      const range = (t: { median: number; min: number; max: number }) => `${t.median.toFixed(2)} s [${t.min.toFixed(2)}-${t.max.toFixed(2)}]`;
      console.log(
        `${name.padEnd(8)}${String(samples.length).padStart(7)}  ${String(await shared.packedTokens(samples)).padStart(13)} / ${String(await apart.packedTokens(samples)).padEnd(6)}   ${range(a).padEnd(25)} ${range(b).padEnd(22)} ${(b.median / a.median).toFixed(2)}x`,
      );
    } finally {
      await shared.dispose();
      await apart.dispose();
    }
  }
  process.exit(0);
}
console.log('model        T     SFT step   tok/s  recomputed  GRPO step  fwd only  nlc fwd  step/nlc   compute full / recomputed     RSS');
for (const name of (values.models ?? 'tiny,small,small-q8_0').split(',')) {
  const modelPath = await modelFile(module, name);
  const llamaModel = await module.llama.loadModel({ modelPath, gpuLayers: 0 });
  const lora = { rank: 16, alpha: 32, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
  const trainer = await module.createTrainer({ modelPath, lora, threads, microBatchTokens: Math.max(...lengths), recompute: false });
  const recomputing = await module.createTrainer({ modelPath, lora, threads, microBatchTokens: Math.max(...lengths), recompute: true });
  const blockwise = values['vs-blockwise']
    ? await module.createTrainer({ modelPath, lora, threads, microBatchTokens: Math.max(...lengths), recompute: false, fusedAttention: false })
    : undefined;
  const autodiff = values['vs-autodiff']
    ? await module.createTrainer({ modelPath, lora, threads, microBatchTokens: Math.max(...lengths), recompute: false, backward: 'autodiff' })
    : undefined;
  try {
    const vocab = trainer.info().model.vocabularySize;
    for (const length of lengths) {
      const tokens = Array.from({ length }, (_, i) => 3 + ((i * 7919) % (vocab - 3)));
      const sample: TrainingSample = { promptTokens: tokens.slice(0, 1), responseTokens: tokens.slice(1), advantage: 1 };
      if (blockwise !== undefined) {
        // fused SFT step, blockwise SFT step and node-llama-cpp's forward in one rotation
        const context = await llamaModel.createContext({ contextSize: Math.max(512, tokens.length + 16), batchSize: tokens.length, threads });
        const sequence = context.getSequence();
        try {
          const sft = (t: typeof trainer) => () => t.step({ samples: [sample], objective: 'sft', learningRate: 1e-5 });
          const [fused, before, nlc] = (await timedAlternately([
            sft(trainer),
            sft(blockwise),
            async () => {
              await sequence.clearHistory();
              await sequence.evaluateWithoutGeneratingNewTokens(tokens as never[]);
            },
          ])) as [Timing, Timing, Timing];
          const range = (t: Timing): string => `${t.median.toFixed(3)} s [${t.min.toFixed(3)}-${t.max.toFixed(3)}] (CPU ${t.cpu.toFixed(3)} s)`;
          console.log(
            `  ${name} T=${length}: alternated SFT step fused ${range(fused)}, blockwise ${range(before)}, node-llama-cpp forward ${range(nlc)}; ` +
              `step/nlc fused ${(fused.median / nlc.median).toFixed(2)}x (CPU ${(fused.cpu / nlc.cpu).toFixed(2)}x), blockwise ${(before.median / nlc.median).toFixed(2)}x (CPU ${(before.cpu / nlc.cpu).toFixed(2)}x)`,
          );
        } finally {
          await context.dispose();
        }
        if (values['ratio-only']) continue;
      }
      let peak = 0;
      const sft = await timed(async () => {
        peak = (await trainer.step({ samples: [sample], objective: 'sft', learningRate: 1e-5 })).peakComputeBytes;
      });
      let recomputedPeak = 0;
      const recomputed = await timed(async () => {
        recomputedPeak = (await recomputing.step({ samples: [sample], objective: 'sft', learningRate: 1e-5 })).peakComputeBytes;
      });
      const grpo = await timed(() => trainer.step({ samples: [sample], objective: 'grpo', klBeta: 0.04, learningRate: 1e-5 }));
      const forward = await timed(() => trainer.logprobs([sample]));
      const reference = await nodeLlamaCppForward(llamaModel, tokens);
      {
        // the ratio that matters, taken alternately (SFT step, node-llama-cpp forward, ...) so that load hits both
        const context = await llamaModel.createContext({ contextSize: Math.max(512, tokens.length + 16), batchSize: tokens.length, threads });
        const sequence = context.getSequence();
        try {
          const [step, nlc] = await timedPair(
            () => trainer.step({ samples: [sample], objective: 'sft', learningRate: 1e-5 }),
            async () => {
              await sequence.clearHistory();
              await sequence.evaluateWithoutGeneratingNewTokens(tokens as never[]);
            },
          );
          console.log(
            `  ${name} T=${length}: alternated SFT step ${step.median.toFixed(3)} s [${step.min.toFixed(3)}-${step.max.toFixed(3)}], node-llama-cpp forward ${nlc.median.toFixed(3)} s [${nlc.min.toFixed(3)}-${nlc.max.toFixed(3)}], ratio ${(step.median / nlc.median).toFixed(1)}x; CPU time ${step.cpu.toFixed(3)} s vs ${nlc.cpu.toFixed(3)} s, ratio ${(step.cpu / nlc.cpu).toFixed(1)}x`,
          );
        } finally {
          await context.dispose();
        }
      }
      if (autodiff !== undefined) {
        const sft = (trainer: typeof autodiff) => () => trainer.step({ samples: [sample], objective: 'sft', learningRate: 1e-5 });
        const [manualStep, autodiffStep] = await timedPair(sft(trainer), sft(autodiff));
        const range = (t: Timing): string => `${t.median.toFixed(3)} s [${t.min.toFixed(3)}-${t.max.toFixed(3)}] (CPU ${t.cpu.toFixed(3)} s)`;
        console.log(
          `  ${name} T=${length}: SFT step hand-written ${range(manualStep)}, autodiff ${range(autodiffStep)}, speed-up ${(autodiffStep.median / manualStep.median).toFixed(2)}x`,
        );
      }
      console.log(
        [
          name.padEnd(11),
          String(length).padStart(5),
          `${sft.toFixed(3)} s`.padStart(10),
          (length / sft).toFixed(0).padStart(7),
          `${recomputed.toFixed(3)} s`.padStart(11),
          `${grpo.toFixed(3)} s`.padStart(10),
          `${forward.toFixed(3)} s`.padStart(9),
          `${reference.toFixed(3)} s`.padStart(8),
          `${(sft / reference).toFixed(1)}x`.padStart(9),
          `${mib(peak)} / ${mib(recomputedPeak)}`.padStart(27),
          mib(process.resourceUsage().maxRSS * 1024).padStart(10),
        ].join(' '),
      );
    }
  } finally {
    await trainer.dispose();
    await recomputing.dispose();
    await autodiff?.dispose();
    await blockwise?.dispose();
    await llamaModel.dispose();
  }
}
