import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { GgufType, type GgufTensorInput, type GgufValue } from '../gguf/gguf-format.ts';
import { readGgufFile } from '../gguf/gguf-reader.ts';
import { writeGgufFile } from '../gguf/gguf-writer.ts';
import { readSafetensors, readSafetensorsTensor } from './safetensors-reader.ts';

/** Hugging Face module names → llama.cpp tensor names (llama, qwen2, qwen3 layouts). */
const moduleNames: Record<string, string> = {
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
};

/** Module-name segments that FSDP, activation checkpointing and torch.compile wrappers add to parameter names. */
const WRAPPER_SEGMENTS = /(?:_fsdp_wrapped_module|_checkpoint_wrapped_module|_orig_mod)\./g;

/**
 * The folder holding adapter_config.json: the folder given, or the `lora_adapter` folder of a verl checkpoint
 * given as its `global_step_N` or `global_step_N/actor` folder (verl saves `actor/lora_adapter/`).
 */
function adapterFolder(folder: string): string {
  for (const candidate of [folder, path.join(folder, 'lora_adapter'), path.join(folder, 'actor', 'lora_adapter')]) {
    if (fs.existsSync(path.join(candidate, 'adapter_config.json'))) return candidate;
  }
  return folder;
}

export interface PeftImportResult {
  path: string;
  rank: number;
  alpha: number;
  tensors: number;
  architecture: string;
}

/**
 * Converts a PEFT LoRA adapter (a folder with adapter_config.json and adapter_model.safetensors, the
 * safetensors file with the config beside it, or a verl checkpoint's global_step_N / actor folder) into a GGUF LoRA adapter for `baseModelPath`, as llama.cpp's
 * convert_lora_to_gguf does: `lora_A` [r, n_in] and `lora_B` [n_out, r] are written unchanged as
 * `<tensor>.lora_a` / `.lora_b`, `adapter.lora.alpha` from the config. Every target must exist in the base
 * model with matching sizes; anything else is refused naming the tensor.
 */
export function importPeftAdapter(options: { source: string; baseModelPath: string; outPath: string; alpha?: number }): PeftImportResult {
  const stat = fs.existsSync(options.source) ? fs.statSync(options.source) : undefined;
  if (stat === undefined)
    throw new InflowError('ADAPTER_NOT_FOUND', `${options.source} does not exist.`, {
      hint: 'Give the PEFT adapter folder or its adapter_model.safetensors.',
    });
  const dir = stat.isDirectory() ? adapterFolder(options.source) : path.dirname(options.source);
  const weightsFile = stat.isDirectory() ? path.join(dir, 'adapter_model.safetensors') : options.source;
  const configFile = path.join(dir, 'adapter_config.json');
  if (!fs.existsSync(configFile))
    throw new InflowError('ADAPTER_INVALID', `No adapter_config.json beside ${weightsFile}.`, {
      hint: 'PEFT saves it with the weights (save_pretrained); copy it next to the safetensors file.',
    });
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as {
    r?: number;
    lora_alpha?: number;
    peft_type?: string;
    use_dora?: boolean;
    use_rslora?: boolean;
  };
  if (config.peft_type !== undefined && config.peft_type !== 'LORA')
    throw new InflowError('ADAPTER_INVALID', `${configFile} is a ${config.peft_type} adapter; only LoRA converts.`);
  if (config.use_dora === true)
    throw new InflowError('ADAPTER_INVALID', 'DoRA adapters cannot be applied by llama.cpp.', { hint: 'Train a plain LoRA adapter.' });
  const safetensors = readSafetensors(weightsFile);
  const base = readGgufFile(options.baseModelPath);
  const architecture = String(base.metadata.get('general.architecture')?.value ?? '');
  const baseDims = new Map(base.tensors.map((t) => [t.name, t.dims]));

  const tensors: GgufTensorInput[] = [];
  let rank = 0;
  for (const tensor of safetensors.tensors) {
    const match = /(?:^|\.)layers\.(\d+)\.(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(tensor.name.replace(WRAPPER_SEGMENTS, ''));
    if (match === null) {
      throw new InflowError('ADAPTER_INVALID', `Cannot map PEFT tensor ${tensor.name} to the base model.`, {
        hint: 'Supported targets: q/k/v/o projections and gate/up/down MLP projections of each layer.',
      });
    }
    const [, layer, module, which] = match;
    const kind = moduleNames[module!];
    if (kind === undefined) throw new InflowError('ADAPTER_INVALID', `PEFT target ${module} (in ${tensor.name}) has no llama.cpp counterpart.`);
    const baseName = `blk.${layer}.${kind}.weight`;
    const dims = baseDims.get(baseName);
    if (dims === undefined)
      throw new InflowError('ADAPTER_MISMATCH', `The base model has no tensor ${baseName} for ${tensor.name}.`, {
        hint: 'Import the adapter onto the model it was trained from.',
      });
    const [rows, cols] = tensor.shape as [number, number];
    // PEFT A is [r, n_in], B is [n_out, r]; ggml dims are reversed: a = [n_in, r], b = [r, n_out]; base = [n_in, n_out].
    if (which === 'A' && cols !== dims[0])
      throw new InflowError('ADAPTER_MISMATCH', `${tensor.name} expects inputs of ${cols} but ${baseName} has ${dims[0]}.`, {
        hint: 'Import the adapter onto the model it was trained from.',
      });
    if (which === 'B' && rows !== dims[1])
      throw new InflowError('ADAPTER_MISMATCH', `${tensor.name} has ${rows} outputs but ${baseName} has ${dims[1]}.`, {
        hint: 'Import the adapter onto the model it was trained from.',
      });
    rank = which === 'A' ? rows : cols;
    tensors.push({ name: `${baseName}.lora_${which!.toLowerCase()}`, dims: [cols, rows], data: readSafetensorsTensor(safetensors, tensor.name) });
  }
  if (tensors.length === 0) throw new InflowError('ADAPTER_INVALID', `${weightsFile} holds no LoRA tensors.`);
  const configured = options.alpha ?? config.lora_alpha ?? config.r ?? rank;
  if (!(configured > 0)) {
    throw new InflowError('ADAPTER_INVALID', `${configFile} gives lora_alpha ${configured}: the adapter would change nothing.`, {
      hint: "verl's model merger writes lora_alpha 0; give the alpha the run trained with (actor_rollout_ref.model.lora_alpha in its config) with --alpha.",
    });
  }
  // rsLoRA scales by alpha/sqrt(r), llama.cpp by alpha/r: the same scale needs alpha·sqrt(r).
  const alpha = config.use_rslora === true ? configured * Math.sqrt(rank) : configured;
  const metadata: Array<[string, GgufValue]> = [
    ['general.type', { type: GgufType.string, value: 'adapter' }],
    ['general.architecture', { type: GgufType.string, value: architecture }],
    ['general.name', { type: GgufType.string, value: `peft-import ${path.basename(dir)}` }],
    ['adapter.type', { type: GgufType.string, value: 'lora' }],
    ['adapter.lora.alpha', { type: GgufType.float32, value: alpha }],
  ];
  fs.mkdirSync(path.dirname(options.outPath), { recursive: true });
  writeGgufFile(options.outPath, { metadata, tensors: tensors.sort((a, b) => a.name.localeCompare(b.name)) });
  return { path: options.outPath, rank, alpha, tensors: tensors.length, architecture };
}
