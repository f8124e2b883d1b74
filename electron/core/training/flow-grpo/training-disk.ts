import { InflowError } from '../../errors.ts';
import { readGgufFile } from '../../gguf/gguf-reader.ts';
import { formatBytes, freeDiskBytes } from '../../models/hardware-fit.ts';
import { retentionRule } from '../../adapters/retention.ts';
import type { LoraConfig } from '../trainer/trainer-protocol.ts';

/** GGUF tensor name of each LoRA target. */
const targetTensors: Record<string, string> = {
  q: 'attn_q',
  k: 'attn_k',
  v: 'attn_v',
  o: 'attn_output',
  gate: 'ffn_gate',
  up: 'ffn_up',
  down: 'ffn_down',
};
/** Room left over for the database, logs and the rest of the system. */
const marginBytes = 256 * 1024 * 1024;

/** Bytes of one LoRA adapter file (f32 A and B for every target matrix), from the model's tensor shapes. */
export function loraAdapterBytes(modelPath: string, lora: Pick<LoraConfig, 'rank' | 'targets'>): number {
  const names = new Set(lora.targets.map((t) => targetTensors[t] ?? t));
  let parameters = 0;
  for (const tensor of readGgufFile(modelPath).tensors) {
    const match = /^blk\.\d+\.([a-z_]+)\.weight$/.exec(tensor.name);
    if (match === null || !names.has(match[1]!) || tensor.dims.length < 2) continue;
    parameters += lora.rank * (tensor.dims[0]! + tensor.dims[1]!);
  }
  return parameters * 4;
}

/**
 * Disk a training run needs at its peak under the retention rule (electron/core/adapters/retention.ts): the adapters
 * it keeps (last N, best, promoted, the one to resume from) plus one being written, and two trainer states
 * (weights and two optimizer moments each: ~3× an adapter) while the newest replaces the last, plus a margin.
 */
export function trainingDiskBytes(modelPath: string, lora: Pick<LoraConfig, 'rank' | 'targets'>): number {
  const adapter = loraAdapterBytes(modelPath, lora);
  return (retentionRule.keepLast + 4) * adapter + 2 * 3 * adapter + marginBytes;
}

/** Refuses to start a run that would not fit on the disk of `adaptersDir`, saying how much is needed and free. */
export function assertTrainingFits(options: {
  modelPath: string;
  lora: Pick<LoraConfig, 'rank' | 'targets'>;
  adaptersDir: string;
  freeBytes?: number;
}): void {
  const needed = trainingDiskBytes(options.modelPath, options.lora);
  const free = options.freeBytes ?? freeDiskBytes(options.adaptersDir);
  if (free < needed) {
    throw new InflowError(
      'INSUFFICIENT_DISK',
      `Not enough disk space to train: a run with LoRA rank ${options.lora.rank} on ${options.lora.targets.join(', ')} needs about ${formatBytes(needed)} but ${options.adaptersDir} has ${formatBytes(free)} free.`,
      {
        hint: 'Free some space ("inflow adapters gc" removes adapters and trainer states the retention rule does not keep), lower --rank, or choose a data folder on a larger disk.',
      },
    );
  }
}
