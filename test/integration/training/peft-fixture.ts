import fs from 'node:fs';
import path from 'node:path';
import { readGgufFile } from '../../../electron/core/gguf/gguf-reader.ts';
import { seededRandom } from '../../../electron/core/training/seeded-random.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

/** Writes a safetensors file the way the format specifies: u64 header length, JSON header, raw little-endian data. */
export function writeSafetensors(file: string, tensors: Record<string, { dtype: 'F32' | 'F16'; shape: number[]; values: number[] }>): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensor.dtype === 'F32' ? Buffer.from(Float32Array.from(tensor.values).buffer) : Buffer.from(Uint16Array.from(tensor.values.map(toHalf)).buffer);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([length, json, ...chunks]));
}

function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | ((bits >>> 13) & 0x3ff);
}

/** A PEFT LoRA folder (adapter_model.safetensors + adapter_config.json) on blk.0 q and blk.1 v of `modelPath`. */
export function peftFolder(options: { scale: number; rank?: number; badInputs?: boolean }, modelPath = testModelPath()): string {
  const base = readGgufFile(modelPath);
  const q = base.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
  const v = base.tensors.find((t) => t.name === 'blk.1.attn_v.weight')!;
  const rank = options.rank ?? 4;
  const random = seededRandom(11);
  const values = (n: number) => Array.from({ length: n }, () => (random() - 0.5) * options.scale);
  const dir = tempDir();
  const nIn = q.dims[0]! + (options.badInputs ? 1 : 0);
  writeSafetensors(path.join(dir, 'adapter_model.safetensors'), {
    'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': { dtype: 'F32', shape: [rank, nIn], values: values(rank * nIn) },
    'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': { dtype: 'F32', shape: [q.dims[1]!, rank], values: values(q.dims[1]! * rank) },
    'base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight': { dtype: 'F16', shape: [rank, v.dims[0]!], values: values(rank * v.dims[0]!) },
    'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight': { dtype: 'F16', shape: [v.dims[1]!, rank], values: values(v.dims[1]! * rank) },
  });
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: rank, lora_alpha: 2 * rank, target_modules: ['q_proj', 'v_proj'] }));
  return dir;
}

