import fs from 'node:fs';
import os from 'node:os';
import { InflowError } from '../errors.ts';
import type { GgufFileInfo } from '../gguf/gguf-reader.ts';

/** Memory and disk a model has to fit into. Bytes throughout. */
export interface HardwareBudget {
  ramTotal: number;
  ramFree: number;
  /** 0 when there is no GPU (or it is not used). */
  vramTotal: number;
  vramFree: number;
}

export interface FitReport {
  fits: boolean;
  /** Estimated bytes: weights plus KV cache plus compute buffers. */
  needBytes: number;
  /** Where it would run: all on the GPU, split, or the CPU. */
  placement: 'gpu' | 'split' | 'cpu';
  /** A plain sentence for users, set when it does not fit or will be tight. */
  message?: string;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(0)} MB`;
  return `${Math.max(0, Math.round(bytes / 1e3))} KB`;
}

/** This machine's RAM, plus the VRAM a caller read from node-llama-cpp (0 when CPU only). */
export function systemBudget(vram: { total: number; free: number } = { total: 0, free: 0 }): HardwareBudget {
  return { ramTotal: os.totalmem(), ramFree: os.freemem(), vramTotal: vram.total, vramFree: vram.free };
}

/** Free bytes on the disk that holds `directory` (or its nearest existing parent). */
export function freeDiskBytes(directory: string): number {
  let dir = directory;
  while (!fs.existsSync(dir)) {
    const parent = dir.replace(/[\\/][^\\/]*$/, '');
    if (parent === dir || parent === '') break;
    dir = parent;
  }
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/** KV-cache bytes per token of context, from the model's header (f16 cache). */
export function kvBytesPerToken(info: GgufFileInfo): number {
  const arch = String(info.metadata.get('general.architecture')?.value ?? '');
  const number = (key: string) => {
    const value = info.metadata.get(`${arch}.${key}`)?.value;
    return typeof value === 'number' ? value : undefined;
  };
  const layers = number('block_count') ?? 32;
  const heads = number('attention.head_count') ?? 32;
  const kvHeads = number('attention.head_count_kv') ?? heads;
  const embedding = number('embedding_length') ?? 4096;
  const keyLength = number('attention.key_length') ?? embedding / heads;
  const valueLength = number('attention.value_length') ?? embedding / heads;
  return layers * kvHeads * (keyLength + valueLength) * 2;
}

/**
 * Estimates whether a model with a given context fits, and says plainly when it will not. CPU models are
 * memory-mapped, so the test is against total RAM (with room for the OS), not the momentary free RAM.
 */
export function estimateFit(options: { modelBytes: number; kvBytes: number; budget: HardwareBudget; useGpu: boolean; label?: string }): FitReport {
  const { modelBytes, kvBytes, budget, useGpu } = options;
  const label = options.label ?? 'This model';
  const needBytes = Math.round(modelBytes * 1.05 + kvBytes + 64e6);
  const ramUsable = budget.ramTotal * 0.9;
  if (useGpu && budget.vramTotal > 0 && needBytes <= budget.vramFree) return { fits: true, needBytes, placement: 'gpu' };
  const pool = ramUsable + (useGpu ? budget.vramFree : 0);
  if (needBytes > pool) {
    return {
      fits: false,
      needBytes,
      placement: 'cpu',
      message:
        `${label} needs about ${formatBytes(needBytes)} of memory, but this computer has ${formatBytes(budget.ramTotal)} RAM` +
        (budget.vramTotal > 0 ? ` and ${formatBytes(budget.vramFree)} free VRAM` : '') +
        '. It will not fit.',
    };
  }
  const placement = useGpu && budget.vramTotal > 0 ? 'split' : 'cpu';
  const tight = needBytes > budget.ramFree + (useGpu ? budget.vramFree : 0);
  return {
    fits: true,
    needBytes,
    placement,
    ...(tight
      ? {
          message: `${label} needs about ${formatBytes(needBytes)}; only ${formatBytes(budget.ramFree)} RAM is free now, so other apps may be slowed.`,
        }
      : {}),
  };
}

/** Throws MODEL_WONT_FIT when `estimateFit` says no. */
export function assertFits(report: FitReport): void {
  if (report.fits) return;
  throw new InflowError('MODEL_WONT_FIT', report.message ?? 'The model will not fit in memory.', {
    hint: 'Choose a smaller model or quantization (e.g. Qwen2.5 1.5B Q4_K_M), or a smaller context size.',
    details: { needBytes: report.needBytes },
  });
}
