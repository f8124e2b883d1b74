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
    const bytes =
      tensor.dtype === 'F32' ? Buffer.from(Float32Array.from(tensor.values).buffer) : Buffer.from(Uint16Array.from(tensor.values.map(toHalf)).buffer);
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
  fs.writeFileSync(
    path.join(dir, 'adapter_config.json'),
    JSON.stringify({ peft_type: 'LORA', r: rank, lora_alpha: 2 * rank, target_modules: ['q_proj', 'v_proj'] }),
  );
  return dir;
}

/** The modules verl's `target_modules: all-linear` gives PEFT on a qwen2/llama decoder layer. */
const verlModules = [
  ['self_attn.q_proj', 'attn_q'],
  ['self_attn.k_proj', 'attn_k'],
  ['self_attn.v_proj', 'attn_v'],
  ['self_attn.o_proj', 'attn_output'],
  ['mlp.gate_proj', 'ffn_gate'],
  ['mlp.up_proj', 'ffn_up'],
  ['mlp.down_proj', 'ffn_down'],
] as const;

/**
 * A verl 0.5 FSDP checkpoint with a LoRA actor, laid out as verl saves it: `global_step_N/actor/lora_adapter/`
 * holding adapter_model.safetensors (keys from `layered_summon_lora_params`: `base_model.model.model.layers.L.<module>.lora_A.weight`,
 * f32 as FSDP keeps them) and adapter_config.json (`asdict` of PEFT's LoraConfig), beside the actor's other files.
 * `merged: true` writes what `verl.model_merger` writes instead (`<target>/lora_adapter`, lora_alpha 0).
 * Returns the global_step folder (or the merger's target folder).
 */
export function verlLoraCheckpoint(
  options: { scale: number; rank?: number; alpha?: number; rslora?: boolean; merged?: boolean },
  modelPath = testModelPath(),
): string {
  const base = readGgufFile(modelPath);
  const rank = options.rank ?? 8;
  const random = seededRandom(23);
  const values = (n: number) => Array.from({ length: n }, () => (random() - 0.5) * options.scale);
  const root = tempDir();
  const step = path.join(root, 'checkpoints', 'Inflow', 'inflow_sums', 'global_step_3');
  const adapterDir = options.merged === true ? path.join(root, 'merged_hf', 'lora_adapter') : path.join(step, 'actor', 'lora_adapter');
  fs.mkdirSync(adapterDir, { recursive: true });
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; values: number[] }> = {};
  const layers = new Set(base.tensors.map((t) => /^blk\.(\d+)\./.exec(t.name)?.[1]).filter((l) => l !== undefined));
  for (const layer of layers) {
    for (const [module, kind] of verlModules) {
      const [nIn, nOut] = base.tensors.find((t) => t.name === `blk.${layer}.${kind}.weight`)!.dims as [number, number];
      tensors[`base_model.model.model.layers.${layer}.${module}.lora_A.weight`] = { dtype: 'F32', shape: [rank, nIn], values: values(rank * nIn) };
      tensors[`base_model.model.model.layers.${layer}.${module}.lora_B.weight`] = { dtype: 'F32', shape: [nOut, rank], values: values(nOut * rank) };
    }
  }
  writeSafetensors(path.join(adapterDir, 'adapter_model.safetensors'), tensors);
  const targets = verlModules.map(([module]) => module.split('.')[1]!);
  const config =
    options.merged === true
      ? { r: rank, lora_alpha: 0, target_modules: targets, task_type: null, peft_type: 'LORA', use_rslora: false, use_dora: false }
      : {
          task_type: 'CAUSAL_LM',
          peft_type: 'LORA',
          auto_mapping: null,
          base_model_name_or_path: 'Qwen/Qwen2.5-0.5B-Instruct',
          revision: null,
          inference_mode: false,
          r: rank,
          target_modules: targets,
          exclude_modules: null,
          lora_alpha: options.alpha ?? 2 * rank,
          lora_dropout: 0,
          fan_in_fan_out: false,
          bias: 'none',
          use_rslora: options.rslora === true,
          modules_to_save: null,
          init_lora_weights: true,
          layers_to_transform: null,
          layers_pattern: null,
          rank_pattern: {},
          alpha_pattern: {},
          megatron_config: null,
          megatron_core: 'megatron.core',
          loftq_config: {},
          use_dora: false,
          layer_replication: null,
          lora_bias: false,
        };
  fs.writeFileSync(path.join(adapterDir, 'adapter_config.json'), JSON.stringify(config, null, 4));
  if (options.merged === true) return path.dirname(adapterDir);
  fs.writeFileSync(path.join(step, 'actor', 'fsdp_config.json'), JSON.stringify({ FSDP_version: 1, world_size: 8 }));
  fs.mkdirSync(path.join(step, 'actor', 'huggingface'), { recursive: true });
  fs.writeFileSync(path.join(step, 'actor', 'huggingface', 'config.json'), JSON.stringify({ architectures: ['Qwen2ForCausalLM'] }));
  return step;
}
