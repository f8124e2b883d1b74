/**
 * `npm run bench:trainer -- --vs-torch`: forward + backward tokens/s of the native trainer against the independent
 * PyTorch reference (test/support/torch-reference, float32, Debian's torch on OpenBLAS) on the same model file, the
 * same LoRA (rank 16, alpha 32, all 7 targets, B = 0 at the start on both sides) and the same tokens: one SFT step
 * (forward, backward, AdamW) over one sample of T tokens, with the same number of threads on both sides. Each round
 * times every length once on each side, the side that goes first alternating between rounds; medians over rounds
 * with their range. Options: --threads 1,2 --repeats N (rounds, default 3) --lengths 256,1024,2048 --models tiny,small.
 */
import { loadNativeTrainer, type TrainingSample } from '../electron/core/training/trainer/native-trainer.ts';
import { testModelPath, type TestModelOptions } from '../test/support/test-model.ts';
import { findTorchPython, torchBench, torchUnavailableReason } from '../test/support/torch-reference/torch-reference.ts';

const shapes: Record<string, TestModelOptions> = {
  tiny: { arch: 'qwen2' },
  small: { arch: 'qwen2', nEmbd: 256, nLayer: 4, nHead: 8, nHeadKv: 2, nFf: 768 },
};

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
const range = (list: number[], digits: number) => `${Math.min(...list).toFixed(digits)}-${Math.max(...list).toFixed(digits)}`;

export async function benchVsTorch(options: { threads: number[]; rounds: number; lengths: number[]; models: string[] }): Promise<void> {
  if (findTorchPython() === null) throw new Error(torchUnavailableReason);
  const module = await loadNativeTrainer({ gpu: false });
  const lora = { rank: 16, alpha: 32, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] };
  console.log(
    `native trainer vs PyTorch: SFT step (forward + backward + AdamW), LoRA r16 on all targets, F32, ${options.rounds} rounds (median [range])`,
  );
  console.log('model   thr     T   native s (range)        torch s (range)        native tok/s  torch tok/s  native/torch');
  let blas = '';
  for (const name of options.models) {
    const shape = shapes[name];
    if (shape === undefined) throw new Error(`unknown model '${name}' (known: ${Object.keys(shapes).join(', ')})`);
    const modelPath = testModelPath({ ...shape, contextLength: 4096 });
    for (const threads of options.threads) {
      const trainer = await module.createTrainer({ modelPath, lora, threads, microBatchTokens: Math.max(...options.lengths), recompute: false });
      try {
        const vocab = trainer.info().model.vocabularySize;
        const samples = options.lengths.map((length): TrainingSample => {
          const tokens = Array.from({ length }, (_, i) => 3 + ((i * 7919) % (vocab - 3)));
          return { promptTokens: tokens.slice(0, 1), responseTokens: tokens.slice(1) };
        });
        const native = options.lengths.map(() => [] as number[]);
        const torch = options.lengths.map(() => [] as number[]);
        const runNative = async () => {
          for (const [index, sample] of samples.entries()) {
            await trainer.step({ samples: [sample], objective: 'sft', learningRate: 1e-5 }); // warm-up (allocations)
            const started = performance.now();
            await trainer.step({ samples: [sample], objective: 'sft', learningRate: 1e-5 });
            native[index]?.push((performance.now() - started) / 1000);
          }
        };
        const runTorch = () => {
          const answer = torchBench({ model: modelPath, ...lora, lengths: options.lengths, threads, repeats: 1 });
          blas = answer.blas;
          answer.results.forEach((result, index) => torch[index]?.push(...result.seconds));
        };
        for (let round = 0; round < options.rounds; round++) {
          if (round % 2 === 0) {
            await runNative();
            runTorch();
          } else {
            runTorch();
            await runNative();
          }
        }
        options.lengths.forEach((length, index) => {
          const n = native[index] as number[],
            t = torch[index] as number[];
          console.log(
            [
              name.padEnd(6),
              String(threads).padStart(3),
              String(length).padStart(5),
              `${median(n).toFixed(3)} (${range(n, 3)})`.padStart(22),
              `${median(t).toFixed(3)} (${range(t, 3)})`.padStart(22),
              (length / median(n)).toFixed(0).padStart(13),
              (length / median(t)).toFixed(0).padStart(12),
              `${(median(t) / median(n)).toFixed(2)}x`.padStart(13),
            ].join(' '),
          );
        });
      } finally {
        await trainer.dispose();
      }
    }
  }
  console.log(`(PyTorch ${findTorchPython()}, BLAS ${blas}; native/torch > 1 means the native trainer is faster)`);
}
