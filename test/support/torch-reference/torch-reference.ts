/**
 * Runs the independent PyTorch reference (`torch_reference.py`) of the native trainer: a Python 3 that can import
 * torch (Debian's python3-torch), with gguf-py from node-llama-cpp's llama.cpp bundle. Used by the cross-check test
 * and by `npm run bench:trainer -- --vs-torch`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLlamaSource } from '../../../scripts/llama-source.ts';

const script = path.join(import.meta.dirname, 'torch_reference.py');

/** Interpreters tried in order: $INFLOW_TORCH_PYTHON, Debian's own python3 (where apt puts torch), then python3 on PATH. */
const candidates = (): string[] =>
  [process.env.INFLOW_TORCH_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => c !== undefined && c !== '');

let found: string | null | undefined;

/** The first interpreter that imports torch, or null (with the reason in `torchUnavailableReason`). */
export function findTorchPython(): string | null {
  if (found !== undefined) return found;
  found = null;
  for (const candidate of candidates()) {
    const probe = spawnSync(candidate, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (probe.status === 0) {
      found = candidate;
      break;
    }
  }
  return found;
}

export const torchUnavailableReason =
  'no Python 3 with torch found (tried $INFLOW_TORCH_PYTHON, /usr/bin/python3, python3); install it with `apt-get install python3-torch libopenblas0-pthread`';

export interface TorchSample {
  promptTokens: number[];
  responseTokens: number[];
  advantage?: number;
  weight?: number;
  oldLogprobs?: number[];
  refLogprobs?: number[];
}

export interface TorchCheckCase {
  objective: 'sft' | 'grpo';
  samples: TorchSample[];
  clipLow: number;
  clipHigh: number;
  dualClip?: number;
  klBeta?: number;
}

export interface TorchCheckAnswer {
  loss: number;
  logprobs: number[][];
  /** LoRA gradients by adapter tensor name, in GGUF element order. */
  gradients: Record<string, number[]>;
}

export interface TorchBenchRequest {
  model: string;
  rank: number;
  alpha: number;
  targets: string[];
  lengths: number[];
  threads: number;
  repeats: number;
}

export interface TorchBenchAnswer {
  results: Array<{ tokens: number; seconds: number[] }>;
  blas: string;
  torch: string;
}

function run<T>(request: object, threads: number): T {
  const python = findTorchPython();
  if (python === null) throw new Error(torchUnavailableReason);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-torch-'));
  try {
    const file = path.join(dir, 'request.json');
    fs.writeFileSync(file, JSON.stringify(request));
    const gguf = path.join(ensureLlamaSource(), 'gguf-py');
    const threadEnv = String(threads);
    const output = execFileSync(python, [script, '--gguf-py', gguf, file], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, OMP_NUM_THREADS: threadEnv, OPENBLAS_NUM_THREADS: threadEnv, MKL_NUM_THREADS: threadEnv },
    });
    return JSON.parse(output) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Log-probs, loss and LoRA gradients of each case under the model and adapter files, in float64. */
export function torchCheck(model: string, adapter: string, cases: TorchCheckCase[]): TorchCheckAnswer[] {
  return run<{ cases: TorchCheckAnswer[] }>({ mode: 'check', model, adapter, cases }, 1).cases;
}

/** Seconds per SFT step (forward + backward + AdamW, float32) over one sample of each length. */
export function torchBench(request: TorchBenchRequest): TorchBenchAnswer {
  return run<TorchBenchAnswer>({ mode: 'bench', ...request }, request.threads);
}
