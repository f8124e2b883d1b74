import type { LoraTarget } from './native-trainer.ts';

/** What the native trainer reports (native-trainer.ts types and loads it): a step, its progress, memory, the model, the runtime, graphs. */
export interface StepMetrics {
  step: number;
  loss: number;
  kl: number;
  clipFraction: number;
  gradNorm: number;
  learningRate: number;
  /** Response tokens scored. */
  tokens: number;
  /** All tokens through the model (prompts included), the basis of tokensPerSecond. */
  packedTokens: number;
  microBatches: number;
  seconds: number;
  tokensPerSecond: number;
  skipped: boolean;
  skipReason?: string;
  peakComputeBytes: number;
  /** Whether this step used per-layer recomputation. */
  recomputed: boolean;
  /** Most backend splits of one of the step's graphs: 1 when the whole graph ran on one device. */
  graphSplits: number;
  /** Frozen-weight bytes copied to the CPU during the step because the device lacked an op (0 on the CPU backend). */
  weightCopyBytes: number;
}

/** Reported before each pass over a micro-batch and before the optimizer update. */
export interface StepProgress {
  phase: 'old' | 'reference' | 'train' | 'update';
  microBatch: number;
  microBatches: number;
  /** Packed tokens trained so far in this step. */
  tokens: number;
  /** Loss of the micro-batches trained so far (their share of the step's token mean). */
  loss: number;
  seconds: number;
  tokensPerSecond: number;
}

export interface MemoryEstimate {
  tokens: number;
  weightBytes: number;
  loraBytes: number;
  computeBytes: number;
  totalBytes: number;
  availableBytes: number;
  fits: boolean;
  /** Whether the figures are for per-layer recomputation (chosen automatically when the full graph does not fit). */
  recompute: boolean;
}

export interface ModelHyperParams {
  architecture: string;
  vocabularySize: number;
  embeddingLength: number;
  layerCount: number;
  headCount: number;
  headCountKv: number;
  headDim: number;
  feedForwardLength: number;
  contextLength: number;
  ropeFreqBase: number;
  tiedEmbeddings: boolean;
}

export interface TrainerInfo {
  model: ModelHyperParams;
  backend: string;
  weightTypes: string;
  weightBytes: number;
  dequantizeInGraph: boolean;
  /** Which backward the trainer runs (see CreateTrainerOptions.backward). */
  backward: 'manual' | 'autodiff';
  /** Whether training steps run the fused CPU attention kernels (see CreateTrainerOptions.fusedAttention). */
  fusedAttention: boolean;
  lora: { rank: number; alpha: number; targets: LoraTarget[]; parameterCount: number };
  step: number;
}

export interface RuntimeInfo {
  registryLibrary: string;
  ggmlVersion: string;
  ggmlCommit: string;
  devices: string[];
}

/** A node of a training step's graph as a GPU backend receives it (what its supports_op looks at); see graphNodes. */
export interface GraphNode {
  /** ggml_op_desc: the op's name, or the unary / GLU op's name (SILU, EXP, SWIGLU, ...). */
  op: string;
  type: string;
  ne: number[];
  /** The op's parameters (int32 words, as ggml stores them). */
  params: number[];
  sources: Array<{ type: string; contiguous: boolean; contiguousRows: boolean; transposed: boolean; weight: boolean; ne: number[] }>;
}
