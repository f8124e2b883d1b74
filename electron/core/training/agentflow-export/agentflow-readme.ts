import { toolCounterparts } from './tool-mapping.ts';

/** What the README of an AgentFlow export states: the facts of this export. */
export interface ReadmeFacts {
  hfModelId: string;
  hfModelIdFrom: string;
  baseModelPath: string;
  datasetName: string;
  trainRows: number;
  valRows: number;
  trainFile: string;
  valFile: string;
  experimentName: string;
  nodes: number;
  gpusPerNode: number;
  adapter: boolean;
  leftOut: ReadonlyArray<{ question: string; reason: string }>;
  adjustments: readonly string[];
  trainingRunId: string | null;
  maxPromptLength: number;
  maxResponseLength: number;
}

/** The README.md of an export: exact commands for the reference's trainer, the tool mapping, and the way back into Inflow. */
export function agentflowReadme(f: ReadmeFacts): string {
  const rows = toolCounterparts.map(
    (tool) => `| \`${tool.inflow}\` | ${tool.reference === null ? '— (none)' : `\`${tool.reference}\``} | ${tool.note} |`,
  );
  const leftOut =
    f.leftOut.length === 0
      ? 'No task was left out.'
      : [
          `${f.leftOut.length} task(s) were left out:`,
          '',
          ...f.leftOut.slice(0, 20).map((item) => `- "${item.question.replace(/\s+/g, ' ').slice(0, 80)}": ${item.reason}`),
          ...(f.leftOut.length > 20 ? [`- … and ${f.leftOut.length - 20} more (manifest.json lists all)`] : []),
        ].join('\n');
  const ckpt = `checkpoints/Inflow/${f.experimentName}/global_step_N/actor`;
  return `# Inflow → AgentFlow (verl) training export

Written by \`inflow train export --for agentflow\`${f.trainingRunId === null ? '' : ` from training run ${f.trainingRunId}`}, dataset "${f.datasetName}".
It trains the same Flow-GRPO planner on the reference's own engine (lupantech/AgentFlow on verl 0.5.0: vLLM
rollouts, FSDP, Ray across nodes) and brings the result back into Inflow.

| File | What |
| --- | --- |
| \`data/${f.trainFile}\` | ${f.trainRows} training tasks (Inflow's train split), Parquet in the schema of AgentFlow's \`data/get_train_data.py\` |
| \`data/${f.valFile}\` | ${f.valRows} validation tasks (Inflow's held-out split, kept) |
| \`train/config.yaml\` | the reference's \`train/config.yaml\`, filled from the Inflow run's settings |
| \`heldout.jsonl\` | the same held-out tasks in Inflow's dataset format, for \`inflow eval\` afterwards |
| \`manifest.json\` | what was exported, from where, and what was left out |

Base model: \`${f.hfModelId}\` (${f.hfModelIdFrom}); the Inflow planner was \`${f.baseModelPath}\`.
Prompt and response caps are ${f.maxPromptLength} and ${f.maxResponseLength} tokens (\`data.max_prompt_length\`, \`data.max_response_length\`), the
Inflow run's; the reference's own planner prompts carry its memory and grow with the steps, and it uses 18432 and
2048: export with \`--max-prompt 18432\` if its prompts get truncated.
${f.adjustments.length === 0 ? '' : `\nAdjusted for verl's batch rules: ${f.adjustments.join('; ')}.\n`}
## 1. Set up the reference (once per node)

\`\`\`sh
git clone https://github.com/lupantech/AgentFlow && cd AgentFlow
bash setup.sh                      # Python 3.11 venv; torch 2.7, vLLM 0.9.2, verl 0.5.0, Ray
source .venv/bin/activate
cp -r EXPORT_DIR/data/. data/      # EXPORT_DIR: this folder
cp EXPORT_DIR/train/config.yaml train/config.yaml
export OPENAI_API_KEY=...          # the reference's reward is a GPT-4o judge (train/utils.py compute_score)
\`\`\`

The reward differs from Inflow's: the reference asks GPT-4o whether the answer matches \`result\`, where
Inflow's rule scorers decide checkable answers (numbers, options, Game of 24 expressions) without a model.
A Game of 24 task whose answer is a different valid expression than \`result\` may be judged wrong there.

The fixed modules (planner_fixed, verifier, executor in \`MODEL_ENGINE\`) and the model-backed tools run the
frozen base model, as in Inflow and the paper. Serve it with vLLM on a GPU the trainer does not use: this
export gives the trainer GPUs 0–${f.gpusPerNode - 1} (\`CUDA_VISIBLE_DEVICES\`, \`N_GPUS\`), so serve it on another GPU or
machine (then \`export VLLM_BASE_URL=http://HOST:8000/v1\`), or export again with \`--gpus ${Math.max(1, f.gpusPerNode - 1)}\` and use the GPU left free:

\`\`\`sh
CUDA_VISIBLE_DEVICES=${f.gpusPerNode} vllm serve ${f.hfModelId} --port 8000 &    # VLLM_BASE_URL defaults to http://localhost:8000/v1
\`\`\`

(Or set those \`MODEL_ENGINE\` entries to \`"trainable"\`: one model, but the fixed modules then drift with training.)

## 2. Train on one node

\`\`\`sh
tmux new -s agentflow
bash train/serve_with_logs.sh      # window 0: the rollout server (train/rollout.py)
bash train/train_with_logs.sh      # window 1 (Ctrl+B then C): Ray + verl trainer (train/train_agent.py)
\`\`\`

## 3. Train on several nodes (Ray)

config.yaml has \`trainer.nnodes: ${f.nodes}\` and \`trainer.n_gpus_per_node: ${f.gpusPerNode}\` (N_GPUS); change both to your
cluster. \`train/train_with_logs.sh\` restarts Ray as a one-node head, so start the cluster yourself instead:

\`\`\`sh
# head node
ray stop --force; ray start --head --port=6379 --dashboard-host=0.0.0.0
# every other node (same AgentFlow checkout, data and config.yaml)
ray stop --force; ray start --address=HEAD_IP:6379
# head node, two shells
python train/rollout.py
python train/train_agent.py        # reads train/config.yaml, runs python -m agentflow.verl on the Ray cluster
\`\`\`

## Tools: Inflow → reference

| Inflow | AgentFlow | Note |
| --- | --- | --- |
${rows.join('\n')}
| MCP tools | — (none) | the user's own MCP servers stay on the user's machine |

\`ENABLE_TOOLS\` lists the counterparts of the tools the Inflow rollouts used. A tool with no counterpart cannot
run on the cluster: searching the user's local documents needs documents that never leave the user's machine.
The export therefore leaves out the user's tasks whose runs used such a tool, rather than train the planner on
questions it could not answer there. ${leftOut} Items of an imported dataset carry no run history: if some of
them need your documents, leave them out of the dataset before exporting.

## 4. Bring the result back into Inflow

${
  f.adapter
    ? `**LoRA adapter** (config.yaml sets \`lora_rank\`, \`lora_alpha\`, \`target_modules\`): verl writes
\`${ckpt}/lora_adapter/\` (PEFT \`adapter_model.safetensors\` + \`adapter_config.json\`). Copy it back, then

\`\`\`sh
inflow adapters import ${ckpt} --model ${f.baseModelPath}
\`\`\`

(the \`actor\` or \`global_step_N\` folder is found too). An adapter merged by \`verl.model_merger\` has
\`lora_alpha: 0\` in its config: give the run's alpha with \`--alpha\`.

`
    : ''
}**Full checkpoint**: merge the FSDP shards into a Hugging Face folder, convert it with the llama.cpp
converter Inflow ships (\`.cache/llama.cpp\` in a source checkout), and add it:

\`\`\`sh
python -m verl.model_merger merge --backend fsdp --local_dir ${ckpt} --target_dir merged_hf
python .cache/llama.cpp/convert_hf_to_gguf.py merged_hf --outfile planner-cluster.gguf --outtype q8_0
inflow models add planner-cluster.gguf
\`\`\`

## 5. What did the cluster buy? (same held-out tasks, paired test)

\`\`\`sh
# adapter: the imported one against the local one (or --against base), McNemar on the same items
inflow eval --benchmark EXPORT_DIR/heldout.jsonl --model ${f.baseModelPath} --adapter IMPORTED_ID --against LOCAL_ID
# full checkpoint: evaluate both on the same file, then report them side by side (paired)
inflow eval --benchmark EXPORT_DIR/heldout.jsonl --model planner-cluster.gguf
inflow eval --benchmark EXPORT_DIR/heldout.jsonl --model ${f.baseModelPath} --adapter LOCAL_ID
inflow eval report EVAL_ID_1 EVAL_ID_2
\`\`\`
`;
}
