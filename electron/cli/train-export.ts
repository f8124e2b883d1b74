import path from 'node:path';
import { parseArgs } from 'node:util';
import { InflowError } from '../core/errors.ts';
import { exportForAgentflow, type AgentflowSource } from '../core/training/agentflow-export/export-agentflow.ts';
import { exportTrainingSamples } from '../core/training/flow-grpo/export-samples.ts';
import type { CliContext } from './command.ts';
import { wholeNumberFlag } from './flag-values.ts';

export const exportUsage = `Usage:
  inflow train export [--run RUN_ID] [--out DIR]
      rollouts and turn samples of a run as JSONL, for analysis (TRL and verl generate their own rollouts and
      do not train from these files)
  inflow train export --for agentflow --out DIR [--run RUN_ID | --dataset NAME --model PATH | --tasks --model PATH]
      an experiment for the reference's trainer (lupantech/AgentFlow on verl): train/val Parquet, train/config.yaml
      filled from the run's settings, README with the commands, held-out tasks for inflow eval
    --base-model ORG/NAME  the Hugging Face id of the base model (needed when the GGUF does not name it)
    --full                 train all weights (default: a LoRA adapter with the run's rank, alpha and targets)
    --nodes N (1)  --gpus N per node (8)  --train-batch N (the run's tasks per step)  --mini-batch N
    --max-steps N (tool steps, 3)  --max-prompt N (4096)  --max-response N (2048)`;

const options = {
  for: { type: 'string' },
  out: { type: 'string' },
  run: { type: 'string' },
  dataset: { type: 'string' },
  model: { type: 'string' },
  tasks: { type: 'boolean' },
  'base-model': { type: 'string' },
  full: { type: 'boolean' },
  nodes: { type: 'string' },
  gpus: { type: 'string' },
  'train-batch': { type: 'string' },
  'mini-batch': { type: 'string' },
  'max-steps': { type: 'string' },
  'max-prompt': { type: 'string' },
  'max-response': { type: 'string' },
} as const;

/** `inflow train export`: the JSONL samples of a run, or (`--for agentflow`) an experiment for the reference's trainer. */
export async function trainExport(context: CliContext, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, allowPositionals: true, strict: false, options });
  const backend = await context.backend();
  if (values.for === undefined) {
    const result = exportTrainingSamples(backend.training, {
      outDir: path.resolve(String(values.out ?? path.join(backend.paths.exports, `training-${Date.now()}`))),
      ...(typeof values.run === 'string' ? { trainingRunId: values.run } : {}),
    });
    if (context.json) context.printJson(result);
    else
      context.print(
        `Wrote ${result.trajectories} trajectories to ${result.trajectoriesFile}\nWrote ${result.samples} turn samples to ${result.samplesFile}`,
      );
    return;
  }
  if (values.for !== 'agentflow')
    throw new InflowError('USAGE', `Unknown export target "${String(values.for)}".`, { hint: 'The one target is --for agentflow.' });
  if (typeof values.out !== 'string') throw new InflowError('USAGE', 'Name the folder to write with --out DIR.', { hint: exportUsage });
  const str = (key: keyof typeof options) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  let source: AgentflowSource;
  if (values.tasks === true) source = { userTasks: true };
  else if (str('dataset') !== undefined) source = { dataset: str('dataset')! };
  else {
    const runId = str('run') ?? backend.training.listRuns()[0]?.id;
    if (runId === undefined)
      throw new InflowError('USAGE', 'There is no training run to export.', {
        hint: 'Name one with --run, or export a dataset: --dataset NAME --model PATH.',
      });
    source = { trainingRunId: runId };
  }
  const numbers = {
    nodes: wholeNumberFlag(str('nodes'), 'nodes', { min: 1 }, exportUsage),
    gpusPerNode: wholeNumberFlag(str('gpus'), 'gpus', { min: 1 }, exportUsage),
    trainBatch: wholeNumberFlag(str('train-batch'), 'train-batch', { min: 1 }, exportUsage),
    miniBatch: wholeNumberFlag(str('mini-batch'), 'mini-batch', { min: 1 }, exportUsage),
    toolSteps: wholeNumberFlag(str('max-steps'), 'max-steps', { min: 1 }, exportUsage),
    maxPromptLength: wholeNumberFlag(str('max-prompt'), 'max-prompt', { min: 1 }, exportUsage),
    maxResponseLength: wholeNumberFlag(str('max-response'), 'max-response', { min: 1 }, exportUsage),
  };
  const result = exportForAgentflow({
    stores: backend,
    outDir: values.out,
    source,
    adapter: values.full !== true,
    ...(str('model') === undefined ? {} : { modelPath: path.resolve(str('model')!) }),
    ...(str('base-model') === undefined ? {} : { hfModelId: str('base-model')! }),
    ...Object.fromEntries(Object.entries(numbers).filter(([, value]) => value !== undefined)),
  });
  if (context.json) context.printJson(result);
  else {
    context.print(
      `Wrote ${result.train} training and ${result.val} validation tasks of "${result.datasetName}" for AgentFlow (base model ${result.hfModelId}) to ${result.outDir}.`,
    );
    if (result.leftOut.length > 0) context.print(`Left out ${result.leftOut.length} task(s): see ${result.readmeFile}.`);
    context.print(`Next: read ${result.readmeFile}.`);
  }
}
