import type { TrainingConfig } from '../flow-grpo/training-config.ts';
import { counterpartOf } from './tool-mapping.ts';

/** What the reference's `train/config.yaml` needs beyond an Inflow run's settings. */
export interface ClusterSettings {
  /** The planner's base model as a Hugging Face id (vLLM and FSDP load it from there). */
  hfModelId: string;
  /** GPUs per node (the reference: 8). */
  gpusPerNode: number;
  nodes: number;
  /** Agent steps per rollout (the reference's TOOL_STEPS; Inflow trains with 3). */
  toolSteps: number;
  /** Token caps of the planner's prompt and response (data.max_prompt_length / max_response_length). */
  maxPromptLength: number;
  maxResponseLength: number;
  /** Prompts per step, PPO mini-batch in prompts (verl multiplies both by rollout.n) and micro-batch per GPU (cluster-batches.ts). */
  trainBatch: number;
  miniBatch: number;
  microBatchPerGpu: number;
  /** Inflow tool names the rollouts use; those with a counterpart become ENABLE_TOOLS. */
  tools: readonly string[];
  /** Return a LoRA adapter (verl's lora_rank/lora_alpha/target_modules from the run) rather than a full checkpoint. */
  adapter: boolean;
  experimentName: string;
  trainFile: string;
  valFile: string;
}

/** Inflow's LoRA target letters → Hugging Face module names (the names verl passes to PEFT). */
const targetModules: Record<string, string> = {
  q: 'q_proj',
  k: 'k_proj',
  v: 'v_proj',
  o: 'o_proj',
  gate: 'gate_proj',
  up: 'up_proj',
  down: 'down_proj',
};

export type YamlValue = string | number | boolean | readonly string[];
export interface AgentflowConfig {
  env: Record<string, YamlValue>;
  python_args: Record<string, YamlValue>;
}

/**
 * The reference's `train/config.yaml` (lupantech/AgentFlow, verl 0.5.0 keys) filled from an Inflow run: group size
 * → rollout.n, tasks per step → train_batch_size, learning rate, clip low/high, KL coefficient (k3, `low_var_kl`,
 * as Inflow), dual-clip c = 3, temperatures, tool steps, prompt/response caps; with LoRA settings when an adapter
 * is wanted back. Keys the reference sets that Inflow has no say in keep the reference's values.
 */
export function agentflowConfig(config: TrainingConfig, cluster: ClusterSettings): AgentflowConfig {
  const tools = cluster.tools.map((name) => counterpartOf(name)).filter((tool) => tool !== undefined && tool.reference !== null);
  const base = `vllm-${cluster.hfModelId}`;
  const env: Record<string, YamlValue> = {
    CUDA_VISIBLE_DEVICES: Array.from({ length: cluster.gpusPerNode }, (_, i) => String(i)).join(','),
    HYDRA_FULL_ERROR: 1,
    N_GPUS: cluster.gpusPerNode,
    BASE_MODEL: cluster.hfModelId,
    ROLLOUT_TP_SIZE: 1,
    EXPERIMENT_NAME: cluster.experimentName,
    PROJECT_NAME: 'Inflow',
    BASE_DATA_DIR: 'data',
    VERBOSITY: 'INFO',
    N_WORKERS: 16,
    ENABLE_TOOLS: tools.map((tool) => tool!.reference!),
    TOOL_ENGINE: tools.map((tool) => (tool!.engine === 'base' ? base : 'Default')),
    // [planner_main, planner_fixed, verifier, executor]: only the planner trains; the fixed modules run the frozen
    // base model, as in Inflow and the paper (served by vLLM at VLLM_BASE_URL, default localhost:8000).
    MODEL_ENGINE: ['trainable', base, base, base],
    TOOL_STEPS: cluster.toolSteps,
    TEST_TEMPERATURE: config.evalTemperature,
    TRAIN_TEMPERATURE: config.temperature,
    OUTPUT_TYPE: 'direct',
    AGENT_MAX_TIMEOUT: 500,
  };
  const python_args: Record<string, YamlValue> = {
    'agentflow.port': 9999,
    'algorithm.adv_estimator': 'grpo',
    'data.train_files': `\${BASE_DATA_DIR}/${cluster.trainFile}`,
    'data.val_files': `\${BASE_DATA_DIR}/${cluster.valFile}`,
    'actor_rollout_ref.rollout.tensor_model_parallel_size': '${ROLLOUT_TP_SIZE}',
    'trainer.n_gpus_per_node': '${N_GPUS}',
    'data.train_batch_size': cluster.trainBatch,
    'actor_rollout_ref.rollout.n': config.groupSize,
    'actor_rollout_ref.actor.ppo_mini_batch_size': cluster.miniBatch,
    'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu': cluster.microBatchPerGpu,
    'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu': cluster.microBatchPerGpu,
    'actor_rollout_ref.rollout.multi_turn.format': 'hermes',
    'actor_rollout_ref.model.path': '${BASE_MODEL}',
    'data.max_prompt_length': cluster.maxPromptLength,
    'data.max_response_length': cluster.maxResponseLength,
    'data.truncation': 'truncate',
    'trainer.val_before_train': true,
    'actor_rollout_ref.actor.optim.lr': config.learningRate,
    'actor_rollout_ref.actor.optim.weight_decay': config.weightDecay,
    'actor_rollout_ref.actor.grad_clip': config.maxGradNorm,
    'actor_rollout_ref.model.use_remove_padding': true,
    'actor_rollout_ref.actor.use_kl_loss': config.klBeta > 0,
    'actor_rollout_ref.actor.kl_loss_coef': config.klBeta,
    'actor_rollout_ref.actor.kl_loss_type': 'low_var_kl',
    'actor_rollout_ref.actor.entropy_coeff': 0,
    'actor_rollout_ref.actor.clip_ratio_low': config.clipLow,
    'actor_rollout_ref.actor.clip_ratio_high': config.clipHigh,
    'actor_rollout_ref.actor.clip_ratio_c': 3,
    'actor_rollout_ref.model.enable_gradient_checkpointing': true,
    'actor_rollout_ref.actor.fsdp_config.param_offload': false,
    'actor_rollout_ref.actor.fsdp_config.optimizer_offload': false,
    'actor_rollout_ref.rollout.name': 'vllm',
    'actor_rollout_ref.rollout.gpu_memory_utilization': 0.6,
    'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu': cluster.microBatchPerGpu,
    'actor_rollout_ref.ref.fsdp_config.param_offload': false,
    'algorithm.use_kl_in_reward': false,
    'trainer.critic_warmup': 0,
    'trainer.logger': ['console'],
    'trainer.project_name': '${PROJECT_NAME}',
    'trainer.experiment_name': '${EXPERIMENT_NAME}',
    'trainer.nnodes': cluster.nodes,
    'trainer.save_freq': Math.max(1, config.evalEvery),
    'trainer.test_freq': Math.max(1, config.evalEvery),
    'trainer.total_training_steps': config.steps,
  };
  if (cluster.adapter) {
    python_args['actor_rollout_ref.model.lora_rank'] = config.lora.rank;
    python_args['actor_rollout_ref.model.lora_alpha'] = config.lora.alpha;
    python_args['actor_rollout_ref.model.target_modules'] = config.lora.targets.map((target) => targetModules[target] ?? target);
    // verl's LoRA rollout: vLLM loads the adapter; the base weights must be real (not dummy) there.
    python_args['actor_rollout_ref.rollout.load_format'] = 'safetensors';
  }
  return { env, python_args };
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

function scalar(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  return quote(value);
}

/** The config as YAML in the reference's layout (two maps, one `key: value` per line, flow lists). */
export function renderAgentflowConfig(config: AgentflowConfig, header: readonly string[]): string {
  const lines = header.map((line) => `# ${line}`);
  for (const section of ['env', 'python_args'] as const) {
    lines.push(`${section}:`);
    for (const [key, value] of Object.entries(config[section])) {
      const rendered = Array.isArray(value)
        ? `[${value.map((entry) => quote(String(entry))).join(', ')}]`
        : scalar(value as string | number | boolean);
      lines.push(`  ${key}: ${rendered}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
