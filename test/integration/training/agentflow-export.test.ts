import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parse as parseYaml } from 'yaml';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { GgufType, type GgufValue } from '../../../electron/core/gguf/gguf-format.ts';
import { writeGgufFile } from '../../../electron/core/gguf/gguf-writer.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { exportForAgentflow } from '../../../electron/core/training/agentflow-export/export-agentflow.ts';
import { resolveTrainingConfig } from '../../../electron/core/training/flow-grpo/training-config.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

// The reference's schema (lupantech/AgentFlow data/get_train_data.py, written by pandas/pyarrow): every column
// optional; extra_info a struct {ground_truth, idx}.
const referenceSchema = [
  { name: 'schema', num_children: 6 },
  { name: 'id', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'question', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'chain', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'result', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'source', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'extra_info', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'ground_truth', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'idx', type: 'INT64', repetition_type: 'OPTIONAL' },
];

// Every python_args key of the reference's train/config.yaml (AgentFlow b940064): the export must set them all.
const referencePythonArgs = [
  'agentflow.port',
  'algorithm.adv_estimator',
  'data.train_files',
  'data.val_files',
  'actor_rollout_ref.rollout.tensor_model_parallel_size',
  'trainer.n_gpus_per_node',
  'data.train_batch_size',
  'actor_rollout_ref.rollout.n',
  'actor_rollout_ref.actor.ppo_mini_batch_size',
  'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu',
  'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu',
  'actor_rollout_ref.rollout.multi_turn.format',
  'actor_rollout_ref.model.path',
  'data.max_prompt_length',
  'data.max_response_length',
  'data.truncation',
  'trainer.val_before_train',
  'actor_rollout_ref.actor.optim.lr',
  'actor_rollout_ref.model.use_remove_padding',
  'actor_rollout_ref.actor.use_kl_loss',
  'actor_rollout_ref.actor.kl_loss_coef',
  'actor_rollout_ref.actor.entropy_coeff',
  'actor_rollout_ref.actor.clip_ratio_low',
  'actor_rollout_ref.actor.clip_ratio_high',
  'actor_rollout_ref.model.enable_gradient_checkpointing',
  'actor_rollout_ref.actor.fsdp_config.param_offload',
  'actor_rollout_ref.actor.fsdp_config.optimizer_offload',
  'actor_rollout_ref.rollout.name',
  'actor_rollout_ref.rollout.gpu_memory_utilization',
  'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu',
  'actor_rollout_ref.ref.fsdp_config.param_offload',
  'algorithm.use_kl_in_reward',
  'trainer.critic_warmup',
  'trainer.logger',
  'trainer.project_name',
  'trainer.experiment_name',
  'trainer.nnodes',
  'trainer.save_freq',
  'trainer.test_freq',
];
const referenceEnv = [
  'CUDA_VISIBLE_DEVICES',
  'HYDRA_FULL_ERROR',
  'N_GPUS',
  'BASE_MODEL',
  'ROLLOUT_TP_SIZE',
  'EXPERIMENT_NAME',
  'PROJECT_NAME',
  'BASE_DATA_DIR',
  'VERBOSITY',
  'N_WORKERS',
  'ENABLE_TOOLS',
  'MODEL_ENGINE',
  'TOOL_STEPS',
  'TEST_TEMPERATURE',
  'TRAIN_TEMPERATURE',
  'OUTPUT_TYPE',
  'AGENT_MAX_TIMEOUT',
];

/** A GGUF holding only metadata, as llama.cpp's converter writes it for a Hugging Face model. */
function namedGguf(entries: Record<string, string>): string {
  const file = path.join(tempDir(), 'named.gguf');
  writeGgufFile(file, {
    metadata: [
      ['general.architecture', { type: GgufType.string, value: 'qwen2' }],
      ...Object.entries(entries).map(([key, value]): [string, GgufValue] => [key, { type: GgufType.string, value }]),
    ],
    tensors: [],
  });
  return file;
}

const readParquet = async (file: string) => {
  const buffer = fs.readFileSync(file);
  const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  return { schema: parquetMetadata(arrayBuffer).schema, rows: (await parquetReadObjects({ file: arrayBuffer })) as Array<Record<string, unknown>> };
};
const schemaFields = (schema: ReadonlyArray<object>) =>
  schema
    .map((entry) => entry as Record<string, unknown>)
    .map((element) =>
      Object.fromEntries(
        ['name', 'type', 'converted_type', 'repetition_type', 'num_children']
          .filter((key) => element[key] !== undefined)
          .map((key) => [key, element[key]]),
      ),
    );

describe('inflow train export --for agentflow', () => {
  const db = openDatabase(path.join(tempDir(), 'inflow.db'));
  const datasets = new DatasetStore(db);
  const items = [
    ...Array.from({ length: 6 }, (_, i) => ({ question: `What is ${i} + ${i}?`, answer: 2 * i, answerKind: 'numeric' as const })),
    { question: 'Who wrote Hamlet?', answer: ['Shakespeare', 'William Shakespeare'], answerKind: 'normalized' as const },
    { question: 'Which colour?', answer: 'B', answerKind: 'choice' as const, meta: { choices: ['A. Red', 'B. Green'] } },
  ];
  const dataset = datasets.create(items, { name: 'mixed', heldOutFraction: 0.25 });
  const config = resolveTrainingConfig({
    groupSize: 6,
    tasksPerStep: 8,
    learningRate: 3e-6,
    clipLow: 0.15,
    clipHigh: 0.25,
    klBeta: 0.002,
    temperature: 0.9,
    evalTemperature: 0.1,
    steps: 12,
    lora: { rank: 8, alpha: 16, targets: ['q', 'v', 'gate'] },
  });
  const gguf = namedGguf({
    'general.source.repo_url': 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct',
    'general.base_model.0.repo_url': 'https://huggingface.co/Qwen/Qwen2.5-0.5B',
  });
  const run = new TrainingStore(db).createRun({ datasetId: dataset.id, baseModel: gguf, config });

  it('writes train/val Parquet in the reference schema, splits kept, read back field by field with hyparquet', async () => {
    const out = path.join(tempDir(), 'export');
    const result = exportForAgentflow({ db, outDir: out, source: { trainingRunId: run.id }, gpusPerNode: 4 });
    assert.equal(result.hfModelId, 'Qwen/Qwen2.5-0.5B-Instruct', "the model's own repository, not its parent in general.base_model");
    for (const [file, split] of [
      [result.trainFile, 'train'],
      [result.valFile, 'heldout'],
    ] as const) {
      const { schema, rows } = await readParquet(file);
      assert.deepEqual(schemaFields(schema), referenceSchema, `${split}: schema`);
      const expected = datasets.items(dataset.id, split);
      assert.equal(rows.length, expected.length);
      rows.forEach((row, index) => {
        const item = expected[index]!;
        const result = Array.isArray(item.answer) ? item.answer.join('; ') : String(item.answer);
        assert.deepEqual(row, {
          id: BigInt(index),
          question: item.question,
          chain: '',
          result,
          source: 'mixed',
          extra_info: { ground_truth: result, idx: BigInt(item.idx) },
        });
      });
    }
    assert.equal(result.train + result.val, items.length);
    const heldout = fs
      .readFileSync(result.heldoutFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { question: string });
    assert.deepEqual(
      heldout.map((item) => item.question),
      datasets.items(dataset.id, 'heldout').map((item) => item.question),
      'the held-out tasks for inflow eval are the validation set',
    );
  });

  it("fills the reference's train/config.yaml from the run's settings, with verl's LoRA keys unless --full", () => {
    const out = path.join(tempDir(), 'export');
    const result = exportForAgentflow({
      db,
      outDir: out,
      source: { trainingRunId: run.id },
      gpusPerNode: 4,
      toolSteps: 4,
      maxPromptLength: 6000,
      maxResponseLength: 1024,
    });
    const yaml = parseYaml(fs.readFileSync(result.configFile, 'utf8'), { version: '1.1' }) as {
      env: Record<string, unknown>;
      python_args: Record<string, unknown>;
    };
    for (const key of referencePythonArgs) assert.ok(key in yaml.python_args, `python_args.${key}`);
    for (const key of referenceEnv) assert.ok(key in yaml.env, `env.${key}`);
    const args = yaml.python_args;
    assert.equal(args['actor_rollout_ref.rollout.n'], 6);
    assert.equal(args['data.train_batch_size'], 8);
    assert.equal(args['actor_rollout_ref.actor.ppo_mini_batch_size'], 2, 'the reference ratio: a quarter of the batch, four updates per step');
    assert.equal(args['actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu'], 3, '2 prompts × 6 samples over 4 GPUs');
    assert.equal(args['actor_rollout_ref.actor.optim.lr'], 3e-6);
    assert.deepEqual(
      [args['actor_rollout_ref.actor.clip_ratio_low'], args['actor_rollout_ref.actor.clip_ratio_high'], args['actor_rollout_ref.actor.clip_ratio_c']],
      [0.15, 0.25, 3],
    );
    assert.deepEqual(
      [args['actor_rollout_ref.actor.use_kl_loss'], args['actor_rollout_ref.actor.kl_loss_coef'], args['actor_rollout_ref.actor.kl_loss_type']],
      [true, 0.002, 'low_var_kl'],
    );
    assert.deepEqual([args['data.max_prompt_length'], args['data.max_response_length'], args['trainer.total_training_steps']], [6000, 1024, 12]);
    assert.equal(args['data.train_files'], '${BASE_DATA_DIR}/train/inflow_train.parquet');
    assert.ok(
      fs.existsSync(path.join(out, 'data', 'train', 'inflow_train.parquet')) && fs.existsSync(path.join(out, 'data', 'val', 'inflow_val.parquet')),
    );
    assert.deepEqual(
      [args['actor_rollout_ref.model.lora_rank'], args['actor_rollout_ref.model.lora_alpha'], args['actor_rollout_ref.model.target_modules']],
      [8, 16, ['q_proj', 'v_proj', 'gate_proj']],
    );
    const env = yaml.env;
    assert.deepEqual(
      [env.BASE_MODEL, env.N_GPUS, env.CUDA_VISIBLE_DEVICES, env.TOOL_STEPS, env.TRAIN_TEMPERATURE, env.TEST_TEMPERATURE],
      ['Qwen/Qwen2.5-0.5B-Instruct', 4, '0,1,2,3', 4, 0.9, 0.1],
    );
    assert.deepEqual(env.ENABLE_TOOLS, ['Base_Generator_Tool', 'Python_Coder_Tool']);
    assert.deepEqual(env.MODEL_ENGINE, [
      'trainable',
      'vllm-Qwen/Qwen2.5-0.5B-Instruct',
      'vllm-Qwen/Qwen2.5-0.5B-Instruct',
      'vllm-Qwen/Qwen2.5-0.5B-Instruct',
    ]);
    const readme = fs.readFileSync(result.readmeFile, 'utf8');
    for (const text of [
      'bash train/serve_with_logs.sh',
      'bash train/train_with_logs.sh',
      'ray start --head',
      'ray start --address=HEAD_IP:6379',
      'python train/train_agent.py',
      '| `Knowledge_Search_Tool` | — (none) |',
      'inflow adapters import',
      'convert_hf_to_gguf.py',
      'inflow models add',
      '--against LOCAL_ID',
      'python -m verl.model_merger merge',
    ]) {
      assert.ok(readme.includes(text), `README: ${text}`);
    }
    const full = exportForAgentflow({ db, outDir: path.join(tempDir(), 'full'), source: { trainingRunId: run.id }, adapter: false });
    const fullArgs = (parseYaml(fs.readFileSync(full.configFile, 'utf8'), { version: '1.1' }) as { python_args: Record<string, unknown> })
      .python_args;
    assert.equal('actor_rollout_ref.model.lora_rank' in fullArgs, false);
  });

  it('asks for the Hugging Face id when the GGUF does not name it, and never writes into a non-empty folder', () => {
    const unnamed = testModelPath();
    assert.throws(
      () => exportForAgentflow({ db, outDir: path.join(tempDir(), 'x'), source: { dataset: 'mixed' }, modelPath: unnamed }),
      (e: unknown) =>
        InflowError.isInstance(e) &&
        e.code === 'USAGE' &&
        /does not name its Hugging Face repository/.test(e.message) &&
        /--base-model/.test(e.hint ?? ''),
    );
    assert.equal(
      exportForAgentflow({ db, outDir: path.join(tempDir(), 'y'), source: { dataset: 'mixed' }, modelPath: unnamed, hfModelId: 'org/model' })
        .hfModelId,
      'org/model',
    );
    const busy = tempDir();
    fs.writeFileSync(path.join(busy, 'keep.txt'), 'mine');
    assert.throws(
      () => exportForAgentflow({ db, outDir: busy, source: { trainingRunId: run.id } }),
      (e: unknown) => InflowError.isInstance(e) && e.code === 'EXPORT_DIR_INVALID',
    );
    assert.deepEqual(fs.readdirSync(busy), ['keep.txt']);
  });

  it("exports the user's past rewarded tasks, leaving out those whose runs searched local documents", () => {
    const runs = new RunStore(db);
    for (let i = 0; i < 5; i++) runs.createTask({ question: `What is ${i} times 3?`, expectedAnswer: 3 * i, answerKind: 'numeric' });
    const docs = runs.createTask({ question: 'What does my lease say about pets?', expectedAnswer: 'no pets', answerKind: 'normalized' });
    const docsRun = runs.startRun({ taskId: docs.id });
    runs.recordStep({ runId: docsRun.id, idx: 0, toolName: 'Knowledge_Search_Tool', command: { query: 'pets' } });
    const result = exportForAgentflow({ db, outDir: path.join(tempDir(), 'tasks'), source: { userTasks: true }, hfModelId: 'org/model' });
    assert.match(result.datasetName, /^my-tasks-/);
    assert.deepEqual(
      result.leftOut.map((item) => item.question),
      ['What does my lease say about pets?'],
    );
    assert.match(result.leftOut[0]!.reason, /Knowledge_Search_Tool/);
    assert.equal(result.train + result.val, 5);
    assert.equal(
      datasets.get(result.datasetName).counts.train + datasets.get(result.datasetName).counts.heldout,
      6,
      'the split is stored, so inflow eval can use the same held-out tasks',
    );
  });

  it('runs from the CLI: exit 2 asking for --base-model, then the export', () => {
    const dataDir = tempDir();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'electron', 'cli', 'index.ts'), '--data-dir', dataDir, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const file = path.join(tempDir(), 'sums.jsonl');
    fs.writeFileSync(file, Array.from({ length: 5 }, (_, i) => JSON.stringify({ question: `What is ${i} + 1?`, answer: i + 1 })).join('\n'));
    assert.equal(cli('datasets', 'import', file).status, 0);
    const out = path.join(tempDir(), 'cluster');
    const missing = cli('train', 'export', '--for', 'agentflow', '--dataset', 'sums', '--model', testModelPath(), '--out', out);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /--base-model ORG\/NAME/);
    const done = cli(
      'train',
      'export',
      '--for',
      'agentflow',
      '--dataset',
      'sums',
      '--model',
      testModelPath(),
      '--base-model',
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct',
      '--out',
      out,
      '--gpus',
      '2',
    );
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stdout, /Wrote 4 training and 1 validation tasks of "sums" for AgentFlow \(base model Qwen\/Qwen2.5-0.5B-Instruct\)/);
    assert.deepEqual(fs.readdirSync(out).sort(), ['README.md', 'data', 'heldout.jsonl', 'manifest.json', 'train']);
  });
});
