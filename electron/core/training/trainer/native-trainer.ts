/**
 * The native LoRA trainer (C++ addon in `native/`, built by `npm install`): the ONE file that loads it and types its
 * options (what it reports: native-trainer-reports.ts).
 *
 * It trains a LoRA on a GGUF llama / qwen2 / qwen3 model with the same ggml that node-llama-cpp runs, in this
 * process, off the JavaScript thread. Every method returns a promise; jobs on one trainer run one at a time
 * (queued); failures are `InflowError`s with a `code` and usually a `hint`.
 *
 * ```ts
 * const trainer = await createTrainer({ modelPath, lora: { rank: 8, alpha: 16, targets: ['q', 'k', 'v', 'o'] }, threads: 2 });
 * const old = await trainer.logprobs(samples, { adapter: true });          // per-token log-probs, Float32Array each
 * const metrics = await trainer.step({ samples, objective: 'grpo', clipLow: 0.2, clipHigh: 0.3, klBeta: 0.04,
 *                                      learningRate: 1e-4 }, { signal, onProgress });
 * await trainer.saveAdapter('planner.gguf');   // node-llama-cpp loads it: createContext({ lora: { adapters: [{ filePath }] } })
 * await trainer.saveState('planner.state');    // LoRA values + AdamW moments + step; resume with loadState or resumeState
 * await trainer.dispose();
 * ```
 *
 * - `loadNativeTrainer({ llama? | gpu? })` loads node-llama-cpp's binaries first (getLlama) and then the addon, so the
 *   trainer shares node-llama-cpp's ggml and backend (CPU here; CUDA/Vulkan/Metal code paths unverified).
 * - `createTrainer(options)`: `modelPath`, `lora {rank, alpha, targets, seed}` (targets: q k v o gate up down, or the
 *   tensor names attn_q ... ffn_down), `threads`, `device` ('auto' | 'cpu' | 'gpu'), `microBatchTokens` (samples are
 *   at most this many tokens per micro-batch; gradients accumulate over micro-batches), `packTokens` (samples share
 *   a micro-batch only up to this many tokens, default 512: the explicit attention costs T² per micro-batch), `maxSequenceTokens`,
 *   `memoryLimitBytes`, `recompute` ('auto': per-layer recomputation when the full graph does not fit),
 *   `headChunkTokens`, `resumeAdapter` / `resumeState` (continue a run), `gpu` / `llama` (see above).
 * - `trainer.step(request)`: `objective` 'grpo' (per-token clipped ratio surrogate against the old policy, clip
 *   `clipLow`/`clipHigh`, optional `dualClip`, plus `klBeta` * k3 KL to the base model = the same weights with the
 *   adapter off; token-mean over the step) or 'sft' (weighted mean log-likelihood of the responses). AdamW
 *   (`weightDecay`, `beta1`, `beta2`, `epsilon`), global-norm clipping (`maxGradNorm`, 0 = off), `learningRate` as a
 *   number or a `LearningRateSchedule` evaluated at the next optimizer step. The old policy is the current adapter
 *   (ratio 1, no extra pass) unless `oldLogprobs: 'given'` (then each sample's `oldLogprobs` must come from
 *   `trainer.logprobs`, never from the sampler, whose numerics differ). A NaN/inf loss or gradient skips the update
 *   (`skipped: true`).
 * - `estimateMemory({ tokens })` measures the compute buffers of a micro-batch; `step` refuses a job that does not
 *   fit (JOB_TOO_LARGE) before any work.
 * - `getParameter(name, { gradient })` / `setParameter(name, values)` / `parameterNames()` expose the LoRA tensors
 *   (named as in the adapter file), for inspection and gradient checks.
 */
import fs from 'node:fs';
import { addonCandidates, locateNativeAddon, prebuildName } from './native-addon-location.ts';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Llama } from 'node-llama-cpp';
import { InflowError } from '../../errors.ts';
import { toInflowError } from './native-trainer-errors.ts';
import { NativeTrainer } from './native-trainer-session.ts';
import type { LearningRateSchedule } from './native-trainer-schedule.ts';
import type { GraphNode, MemoryEstimate, ModelHyperParams, RuntimeInfo, StepMetrics, StepProgress, TrainerInfo } from './native-trainer-reports.ts';

export type { LearningRateSchedule } from './native-trainer-schedule.ts';
export type { GraphNode, MemoryEstimate, ModelHyperParams, RuntimeInfo, StepMetrics, StepProgress, TrainerInfo } from './native-trainer-reports.ts';
export { NativeTrainer } from './native-trainer-session.ts';
export { toInflowError } from './native-trainer-errors.ts';

export type LoraTarget = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';

export interface NativeLoraOptions {
  rank: number;
  alpha: number;
  /** Short names or base tensor kinds (attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down). */
  targets: readonly string[];
  seed?: number;
}

export interface LoadNativeTrainerOptions {
  /** An already loaded node-llama-cpp instance; otherwise getLlama({ gpu }) is called. */
  llama?: Llama;
  gpu?: false | 'auto' | 'cuda' | 'vulkan' | 'metal';
}

export interface CreateTrainerOptions extends LoadNativeTrainerOptions {
  modelPath: string;
  lora: NativeLoraOptions;
  threads?: number;
  device?: 'auto' | 'cpu' | 'gpu';
  microBatchTokens?: number;
  /** Samples share a micro-batch only up to this many tokens (default 512; a longer sample runs alone, up to microBatchTokens). */
  packTokens?: number;
  /**
   * Samples whose prompts start with the same tokens (a group's rollouts of one task, a rollout's later turns) share
   * one copy of the common prefix in their micro-batch (default true). Exact: the same loss, log-probs and gradients,
   * fewer tokens through the model.
   */
  sharePrefixes?: boolean;
  maxSequenceTokens?: number;
  memoryLimitBytes?: number;
  /** Continue from this adapter (its rank, alpha and targets replace `lora`'s). */
  resumeAdapter?: string;
  /** Optimizer state written by saveState (restores values, AdamW moments and the step count). */
  resumeState?: string;
  /**
   * The KL reference policy: this adapter on the base model (default: the base model alone). A run that starts from an
   * adapter (an SFT warm start) passes it here, so its KL term measures the distance from where the run began, as
   * verl's reference is the model the run started from.
   */
  referenceAdapter?: string;
  /** Dequantise frozen weights in the graph: 'auto' does it on GPUs for non-F32 weights. */
  dequantize?: 'auto' | boolean;
  /**
   * Per-layer recomputation: keep only each layer's input during the forward pass and recompute one layer at a time
   * for the backward (less memory, ~1.3x the compute). 'auto' (default) uses it when the full graph does not fit.
   */
  recompute?: 'auto' | boolean;
  /** With recomputation: response tokens per chunk of the output head (its logits are vocabulary x tokens). */
  headChunkTokens?: number;
  /**
   * 'manual' (default): the hand-written backward (MUL_MAT on transposed weight copies, blockwise attention), which
   * every GPU backend runs whole; 'autodiff': ggml's automatic differentiation (the reference it is tested against).
   */
  backward?: 'manual' | 'autodiff';
  /**
   * On the CPU with the hand-written backward: the attention, forward and backward, runs as fused kernels that work
   * tile by tile and never hold the T x T scores (docs/trainer.md). 'auto' (default): when the CPU runs them fast (on
   * x86-64: AVX2 and FMA); false: the blockwise ggml ops, which GPU backends always run (the reference the fused
   * kernels are tested against); true: always on the CPU.
   */
  fusedAttention?: 'auto' | boolean;
  /**
   * On a GPU, train even when part of the graph would run on the CPU with frozen weights copied there every step
   * (refused with CPU_FALLBACK otherwise; StepMetrics.weightCopyBytes says how much was copied).
   */
  allowCpuFallback?: boolean;
}

export type TokenList = readonly number[] | Int32Array;

export interface TrainingSample {
  promptTokens: TokenList;
  responseTokens: TokenList;
  /** GRPO advantage, broadcast to every response token. */
  advantage?: number;
  /** Scales this sample's tokens in both objectives (default 1). */
  weight?: number;
  oldLogprobs?: readonly number[] | Float32Array;
  refLogprobs?: readonly number[] | Float32Array;
}

export interface StepRequest {
  samples: readonly TrainingSample[];
  objective: 'grpo' | 'sft';
  learningRate: number | LearningRateSchedule;
  clipLow?: number;
  clipHigh?: number;
  /** Dual-clip bound c > 1 for negative advantages (off when absent). */
  dualClip?: number;
  klBeta?: number;
  weightDecay?: number;
  maxGradNorm?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** 'recompute' (default): the old policy is the current adapter (ratio 1); 'given': use each sample's oldLogprobs. */
  oldLogprobs?: 'recompute' | 'given';
  /** false: compute loss, metrics and gradients without updating the adapter. */
  apply?: boolean;
}

/** The addon's trainer object as compiled from native/src/addon.cpp (wrapped by NativeTrainer). */
export interface AddonTrainer {
  info(): TrainerInfo;
  logprobs(samples: readonly TrainingSample[], adapter: boolean): Promise<Float32Array[]>;
  step(
    samples: readonly TrainingSample[],
    options: Record<string, unknown>,
    onProgress?: (progress: StepProgress) => void,
  ): Promise<Omit<StepMetrics, 'learningRate' | 'packedTokens'> & { responseTokens: number }>;
  saveAdapter(path: string): Promise<void>;
  saveState(path: string): Promise<void>;
  loadState(path: string): Promise<void>;
  estimateMemory(tokens: number, objective: string, klTerm: boolean): MemoryEstimate;
  /** Tokens a pass over `samples` puts through the model, after packing and prefix sharing. */
  packedTokens(samples: readonly TrainingSample[]): number;
  graphNodes(tokens: number, objective: string, klTerm: boolean, recompute: boolean): GraphNode[];
  parameterNames(): string[];
  getParameter(name: string, gradient: boolean): Float32Array;
  setParameter(name: string, values: Float32Array): void;
  cancel(): void;
  dispose(): void;
}

interface Addon {
  runtimeInfo(): RuntimeInfo;
  inspectModel(path: string): ModelHyperParams;
  createTrainer(options: Record<string, unknown>): Promise<AddonTrainer>;
  convertModel(input: string, output: string, type: string): Promise<number>;
}

interface BuildInfo {
  ok: boolean;
  error?: string;
  hint?: string;
  addonPath?: string;
  nodeLlamaCppVersion?: string;
  llamaCppRelease?: string;
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..', '..');
/** The addon's folder: INFLOW_NATIVE_BUILD_DIR, else a local build, else the prebuilt binary (native-addon-location.ts). */
function buildDir(): string {
  return locateNativeAddon(path.join(repoRoot, 'native')).dir;
}
const targetAliases: Record<string, LoraTarget> = {
  q: 'q',
  k: 'k',
  v: 'v',
  o: 'o',
  gate: 'gate',
  up: 'up',
  down: 'down',
  attn_q: 'q',
  attn_k: 'k',
  attn_v: 'v',
  attn_output: 'o',
  ffn_gate: 'gate',
  ffn_up: 'up',
  ffn_down: 'down',
};

function unavailable(message: string, hint: string): InflowError {
  return new InflowError('NATIVE_TRAINER_UNAVAILABLE', `The native LoRA trainer is unavailable: ${message}`, { hint });
}

let loaded: Promise<NativeTrainerModule> | undefined;

/** The loaded addon plus the node-llama-cpp instance whose ggml it shares. */
export interface NativeTrainerModule {
  llama: Llama;
  runtime: RuntimeInfo;
  inspectModel(modelPath: string): ModelHyperParams;
  createTrainer(options: Omit<CreateTrainerOptions, 'llama' | 'gpu'>): Promise<NativeTrainer>;
  /**
   * Writes a copy of a GGUF model with its weight matrices converted to a ggml type ('f32', 'f16', 'q8_0', 'q4_K',
   * 'q6_K', ...) by ggml's own kernels; resolves to the number of tensors converted. For quantised test and benchmark
   * models, and F32 copies of quantised ones.
   */
  convertModel(input: string, output: string, type: string): Promise<number>;
}

/**
 * Loads node-llama-cpp's binaries (unless `llama` is given), then the addon, once per process. Throws
 * NATIVE_TRAINER_UNAVAILABLE with the build's reason when `npm install` could not build it.
 */
export function loadNativeTrainer(options: LoadNativeTrainerOptions = {}): Promise<NativeTrainerModule> {
  loaded ??= load(options).catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

async function load(options: LoadNativeTrainerOptions): Promise<NativeTrainerModule> {
  const { getLlama } = await import('node-llama-cpp');
  // build 'never': a missing or failing prebuilt binary is an error here, not a silent 6-minute compile into node_modules
  const llama =
    options.llama ??
    (await getLlama({ gpu: options.gpu ?? 'auto', build: 'never' }).catch((error: unknown) => {
      throw unavailable(
        `node-llama-cpp could not load its binaries: ${(error as Error).message}`,
        'Run "npx node-llama-cpp inspect gpu" to see why.',
      );
    }));
  const infoFile = path.join(buildDir(), 'build-info.json');
  if (!fs.existsSync(infoFile))
    throw unavailable(
      `no build and no prebuilt binary for ${prebuildName()} (looked in ${addonCandidates(path.join(repoRoot, 'native'))
        .map((c) => c.dir)
        .join(', ')})`,
      'Reinstall Inflow; in a checkout, run "npm run build:native".',
    );
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as BuildInfo;
  if (!info.ok) throw unavailable(`the build failed: ${info.error ?? 'unknown error'}`, info.hint ?? 'Run "npm run build:native".');
  // next to build-info.json rather than the absolute path recorded at build time, so a moved checkout still works
  const addonPath = path.join(buildDir(), 'inflow-trainer.node');
  if (info.llamaCppRelease !== undefined && info.llamaCppRelease !== llama.llamaCppRelease.release) {
    throw unavailable(
      `it was built for llama.cpp ${info.llamaCppRelease} but node-llama-cpp loaded ${llama.llamaCppRelease.release}`,
      'Run "npm run build:native" after changing node-llama-cpp.',
    );
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(addonPath) as Addon;
  } catch (error) {
    throw unavailable(`cannot load ${addonPath}: ${(error as Error).message}`, 'Run "npm run build:native -- --force".');
  }
  let runtime: RuntimeInfo;
  try {
    runtime = addon.runtimeInfo();
  } catch (error) {
    throw toInflowError(error);
  }
  return {
    llama,
    runtime,
    inspectModel(modelPath) {
      try {
        return addon.inspectModel(modelPath);
      } catch (error) {
        throw toInflowError(error);
      }
    },
    async convertModel(input, output, type) {
      return addon.convertModel(input, output, type).catch((error: unknown) => {
        throw toInflowError(error);
      });
    },
    async createTrainer(createOptions) {
      const native = await addon.createTrainer(addonOptions(createOptions)).catch((error: unknown) => {
        throw toInflowError(error);
      });
      return new NativeTrainer(native);
    },
  };
}

function addonOptions(options: Omit<CreateTrainerOptions, 'llama' | 'gpu'>): Record<string, unknown> {
  const targets = options.lora.targets.map((name) => {
    const target = targetAliases[name];
    if (target === undefined)
      throw new InflowError('BAD_OPTIONS', `Unknown LoRA target '${name}'.`, { hint: 'Use q, k, v, o, gate, up, down (or attn_q ... ffn_down).' });
    return target;
  });
  return {
    modelPath: options.modelPath,
    rank: options.lora.rank,
    alpha: options.lora.alpha,
    targets: [...new Set(targets)],
    seed: options.lora.seed ?? 42,
    threads: options.threads ?? 1,
    device: options.device ?? 'auto',
    microBatchTokens: options.microBatchTokens ?? 2048,
    packTokens: options.packTokens ?? 512,
    sharePrefixes: options.sharePrefixes ?? true,
    maxSequenceTokens: options.maxSequenceTokens ?? 0,
    memoryLimitBytes: options.memoryLimitBytes ?? 0,
    resumeAdapter: options.resumeAdapter ?? '',
    resumeState: options.resumeState ?? '',
    referenceAdapter: options.referenceAdapter ?? '',
    dequantize: options.dequantize === undefined || options.dequantize === 'auto' ? -1 : options.dequantize ? 1 : 0,
    recompute: options.recompute === undefined || options.recompute === 'auto' ? -1 : options.recompute ? 1 : 0,
    headChunkTokens: options.headChunkTokens ?? 256,
    backward: options.backward ?? 'manual',
    fusedAttention: options.fusedAttention === undefined || options.fusedAttention === 'auto' ? -1 : options.fusedAttention ? 1 : 0,
    allowCpuFallback: options.allowCpuFallback ?? false,
  };
}

/** Loads the addon (see loadNativeTrainer) and creates a trainer: the model is read and the LoRA initialised. */
export async function createTrainer(options: CreateTrainerOptions): Promise<NativeTrainer> {
  const module = await loadNativeTrainer({
    ...(options.llama === undefined ? {} : { llama: options.llama }),
    ...(options.gpu === undefined ? {} : { gpu: options.gpu }),
  });
  return module.createTrainer(options);
}
