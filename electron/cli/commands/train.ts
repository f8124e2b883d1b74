import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AdapterRegistry } from '../../core/adapters/adapter-registry.ts';
import { importDataset } from '../../core/datasets/import-dataset.ts';
import { DatasetStore, type DatasetRecord } from '../../core/datasets/dataset-store.ts';
import { InflowError } from '../../core/errors.ts';
import { chooseTrainingJudge, type TrainingJudgeChoice } from '../../core/training/flow-grpo/judge-choice.ts';
import { defaultTrainingConfig, resolveTrainingConfig } from '../../core/training/flow-grpo/training-config.ts';
import type { LoraConfig } from '../../core/training/trainer/trainer-protocol.ts';
import type { CliCommand, CliContext } from '../command.ts';
import type { Backend } from '../../core/backend.ts';
import { ModelsService } from '../../core/api/models-service.ts';
import { exportUsage, trainExport } from '../train-export.ts';
import { configFrom } from '../train-flags.ts';
import { pct, progressPrinter } from '../train-progress.ts';
import { resolveModelFile } from '../../core/llm/resolve-model.ts';
import { renderProgress, stepLine, updateProgressText } from '../../core/training/flow-grpo/progress-format.ts';
import { defaults } from '../../core/contract/defaults.ts';
import { endTrainingRun } from '../../core/training/end-run.ts';
import { numberFlag, wholeNumberFlag } from '../flag-values.ts';

const usage = `Usage:
  inflow train --dataset FILE|NAME --model PATH|ID [--group 8] [--steps N] [--budget 30m] [options]
  inflow train --resume [RUN_ID] [--steps N] [--budget 30m]     continue a stopped or killed run
  inflow train list                                              training runs
  inflow train status RUN_ID                                     per-step metrics
  inflow train end RUN_ID                                        a paused or failed run you will not resume: finished,
                                                                 and the trainer state it kept for a resume is freed
  inflow train export [--run RUN_ID] [--out DIR]                 rollouts and turn samples as JSONL, for analysis
  inflow train export --for agentflow --out DIR [...]            an experiment for the reference's verl trainer (below)
Options:
  --tasks-per-step N (4)  --temperature T (0.7)  --lr X (1e-5)  --rank R (16)  --alpha A (32)
  --lr-schedule constant|cosine|linear (constant; a decay ends the run at --lr-min-ratio F of --lr, 0.1)
  --targets q,k,v,o  --grouping trajectory|turn  --heldout 0.2  --eval-every N (1)  --eval-limit N (100, 0: all)
  --eval-parallel N (held-out items at once, 1: the same adapter always scores the same; 0: every sequence, faster
  on a GPU but a greedy near-tie can go either way)
  --objective grpo|sft (sft: supervised, on the planner turns of runs you gave a thumbs-up; a warm start)
  --until-reproduced (sft: stop once the planner makes the demonstrated tool choices on every demonstrated question)
  --dynamic-sampling N (up to N extra groups per step while too few teach anything, 0)  --explore-temperature T (all-failed tasks are sampled again at T)
  --from-adapter ID|PATH (start from an adapter, e.g. an SFT warm start, instead of a fresh LoRA)
  --mini-batches N (optimizer updates per step, 4)  --epochs N (PPO epochs, 1)  --dual-clip C (3, 0: off)
  --plateau N (stop after N steps without reward gain)  --only-when-idle  --no-promote  --shuffle-rewards
  --max-steps N (agent steps per rollout, 3)  --context N (${defaults.trainingContextSize})  --threads N  --sequences N  --seed N  --cpu (inference and the update on the CPU;
  without it, the first training on a GPU runs a short self-check and falls back to the CPU if it fails)
A resume keeps the run's settings; --steps, --budget, --context, --max-steps, --threads and --eval-limit change them.
  --judge-model PATH  a model (not the planner's) that judges free-form answers; default: the app's executor
                      model when it is not the planner's, else none (a model must not grade itself)
  --no-judge          rules only: answers the rules cannot settle score 0
Export:
${exportUsage.split('\n').slice(1).join('\n')}`;

const options = {
  dataset: { type: 'string' },
  model: { type: 'string' },
  group: { type: 'string' },
  steps: { type: 'string' },
  budget: { type: 'string' },
  resume: { type: 'boolean' },
  'tasks-per-step': { type: 'string' },
  temperature: { type: 'string' },
  lr: { type: 'string' },
  'lr-schedule': { type: 'string' },
  'lr-min-ratio': { type: 'string' },
  rank: { type: 'string' },
  alpha: { type: 'string' },
  targets: { type: 'string' },
  grouping: { type: 'string' },
  heldout: { type: 'string' },
  'eval-every': { type: 'string' },
  'eval-limit': { type: 'string' },
  'eval-parallel': { type: 'string' },
  plateau: { type: 'string' },
  'only-when-idle': { type: 'boolean' },
  'no-promote': { type: 'boolean' },
  'shuffle-rewards': { type: 'boolean' },
  'until-reproduced': { type: 'boolean' },
  'max-steps': { type: 'string' },
  context: { type: 'string' },
  threads: { type: 'string' },
  objective: { type: 'string' },
  'from-adapter': { type: 'string' },
  'dynamic-sampling': { type: 'string' },
  'explore-temperature': { type: 'string' },
  'mini-batches': { type: 'string' },
  epochs: { type: 'string' },
  'dual-clip': { type: 'string' },
  sequences: { type: 'string' },
  seed: { type: 'string' },
  cpu: { type: 'boolean' },
  run: { type: 'string' },
  out: { type: 'string' },
  'judge-model': { type: 'string' },
  'no-judge': { type: 'boolean' },
} as const;

/** `inflow train`: Flow-GRPO on this machine, with a progress bar and live metrics; resumable after any stop. */
export const command: CliCommand = {
  name: 'train',
  summary: 'fine-tune the planner with Flow-GRPO on a dataset (LoRA, on this machine)',
  usage,
  async run(context, args) {
    if (args[0] === 'export') return trainExport(context, args.slice(1));
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
    const backend = await context.backend();
    const store = backend.training;
    const [action, target] = positionals;
    if (action === 'list') {
      const runs = store.listRuns();
      if (context.json) context.printJson(runs);
      else
        for (const r of runs)
          context.print(`${r.id}  ${r.status.padEnd(9)} step ${r.lastCompletedStep}/${r.config.steps}  ${path.basename(r.baseModel)}`);
      return;
    }
    if (action === 'status') {
      const run = store.getRun(target ?? store.listRuns()[0]?.id ?? '');
      const steps = store.stepMetrics(run.id);
      if (context.json) context.printJson({ run, steps });
      else for (const s of steps) context.print(stepLine(s.step, s.metrics));
      return;
    }
    if (action === 'end') {
      if (target === undefined) throw new InflowError('USAGE', 'Name the run to end: inflow train end RUN_ID.', { hint: usage });
      const { run, freed } = endTrainingRun(backend, target);
      if (context.json) context.printJson({ run, freedBytes: freed.bytes, adapters: freed.adapters.length, states: freed.states.length });
      else
        context.print(
          `Ended training run ${run.id} at step ${run.lastCompletedStep}; freed ${(freed.bytes / 1024 / 1024).toFixed(1)} MiB (${freed.adapters.length} adapters, ${freed.states.length} trainer states).`,
        );
      return;
    }
    // `train --resume RUN_ID`: the id is the first positional
    const resumeId = values.resume ? action : undefined;
    if (action !== undefined && resumeId === undefined) throw new InflowError('USAGE', `Unknown action "${action}".`, { hint: usage });

    const config = configFrom(values);
    const sequences = wholeNumberFlag(values.sequences, 'sequences', { min: 1 }, usage);
    if (typeof values['from-adapter'] === 'string') config.initAdapter = resolveAdapterFile(backend.db, values['from-adapter']);
    let resumeRunId: string | undefined;
    let datasetId: string | undefined;
    let modelPath: string;
    // the rollouts' context, agent steps and threads: the run's own on a resume (stored with it), else the flags
    let session = resolveTrainingConfig(config);
    let judge: TrainingJudgeChoice;
    if (values.resume) {
      const run = resumeId !== undefined ? store.getRun(resumeId) : store.latestUnfinished();
      if (run === undefined)
        throw new InflowError('TRAINING_RUN_NOT_FOUND', 'There is no unfinished training run to resume.', {
          hint: 'Start one with --dataset FILE --model PATH.',
        });
      resumeRunId = run.id;
      modelPath = run.baseModel;
      session = { ...run.config, ...config };
      if (values['judge-model'] !== undefined || values['no-judge'] === true) {
        // A new judge for the rest of the run (e.g. the old one's file is gone): checked as at the start, and recorded.
        judge = chooseTrainingJudge({ plannerPath: modelPath, judgePath: values['judge-model'] ?? null, noJudge: values['no-judge'] === true });
        store.setConfig(run.id, { ...run.config, judgeModel: judge.path });
      } else {
        judge = chooseTrainingJudge({
          plannerPath: modelPath,
          judgePath: run.config.judgeModel ?? null,
          noJudge: run.config.judgeModel === undefined || run.config.judgeModel === null,
        });
      }
    } else {
      if (values.dataset === undefined || values.model === undefined)
        throw new InflowError('USAGE', 'Training needs --dataset and --model.', { hint: usage });
      modelPath = resolveModelFile(values.model, backend.paths.models);
      judge = chooseTrainingJudge({
        plannerPath: modelPath,
        judgePath: values['judge-model'] === undefined ? null : resolveModelFile(values['judge-model'], backend.paths.models),
        noJudge: values['no-judge'] === true,
        executorPath: executorModelPath(backend),
      });
      config.judgeModel = judge.path;
      datasetId = resolveDataset(backend.datasets, values.dataset, values.heldout, context).id;
    }
    if (!context.json) context.print(judge.reason.charAt(0).toUpperCase() + judge.reason.slice(1) + '.');
    const lora =
      (resumeRunId === undefined ? config.lora : (store.getRun(resumeRunId).config.lora as LoraConfig | undefined)) ?? defaultTrainingConfig.lora;
    // --cpu, or the desktop's Settings → "Use the CPU only": inference and the update on the CPU
    const cpu = values.cpu === true || backend.settings.read().compute.cpuOnly;
    const progress = progressPrinter(context);
    // the app's start (launch-training.ts): the disk check before any model loads, the update's device (--cpu, else the
    // GPU self-check of this device, run once and remembered; docs/trainer.md), the models, the loop, retention at the end
    const { launchTraining } = await import('../../core/training/flow-grpo/launch-training.ts');
    const launched = await launchTraining(
      {
        backend,
        modelPath,
        lora,
        settings: session,
        judgePath: judge.path,
        cpu,
        gpu: cpu ? false : 'auto',
        sequences: sequences ?? Math.min(4, session.groupSize),
        ...(session.threads > 0 ? { trainerThreads: session.threads } : {}),
        onDevice: (placement) => context.stderr.write(`${placement.message}\n`),
        onUpdateProgress: (phase, detail) => {
          if (!context.json && phase.startsWith('update:') && detail)
            context.stderr.write(`\r${renderProgress(progress.step(), progress.total(), updateProgressText(phase.slice(7), detail))}`);
        },
        onPruned: (pruned) => {
          if (pruned.bytes > 0 && !context.json)
            context.stderr.write(
              `Freed ${(pruned.bytes / 1024 / 1024).toFixed(1)} MiB: ${pruned.adapters.length} adapters and ${pruned.states.length} trainer states the retention rule does not keep.\n`,
            );
        },
      },
      { signal: context.signal, onEvent: progress, config, ...(resumeRunId ? { resumeRunId } : { datasetId: datasetId!, baseModel: modelPath }) },
    );
    const result = await launched.result;
    if (context.json) context.printJson(result);
    else {
      context.stderr.write('\n');
      context.print(`Stopped (${result.stopReason}) after step ${result.lastCompletedStep} of run ${result.trainingRunId}.`);
      if (result.baselineAccuracy !== null) context.print(`Held-out accuracy of the base model: ${(result.baselineAccuracy * 100).toFixed(1)}%`);
      for (const warning of result.warnings) context.print(`Warning: ${warning.message}\n  Fix: ${warning.hint}`);
      if (result.bestAdapter)
        context.print(
          `Best adapter: v${result.bestAdapter.version} (${pct(result.bestAdapter.metrics.heldoutAccuracy)} held-out), ${result.bestAdapter.status}.`,
        );
    }
  },
};

/** An adapter named by its id (from `inflow adapters list`) or a GGUF adapter file. */
function resolveAdapterFile(db: ConstructorParameters<typeof AdapterRegistry>[0], value: string): string {
  if (fs.existsSync(value)) return path.resolve(value);
  return new AdapterRegistry(db).get(value).path;
}

/** A file is imported (datasets/import-dataset.ts; once: the same file reuses its dataset, under a free name); anything else is a dataset name. */
function resolveDataset(datasets: DatasetStore, value: string, heldout: unknown, context: CliContext): DatasetRecord {
  if (!fs.existsSync(value)) return datasets.get(value);
  const source = path.resolve(value);
  const existing = datasets.list().find((d) => d.source === source);
  if (existing !== undefined) return existing;
  const base = path.basename(value).replace(/\.jsonl?$/i, '');
  let name = base;
  for (let n = 2; datasets.find(name) !== undefined; n++) name = `${base}-${n}`;
  const { record } = importDataset(datasets, {
    file: value,
    name,
    heldOutFraction: numberFlag(typeof heldout === 'string' ? heldout : undefined, 'heldout', undefined, usage),
  });
  context.print(`Imported ${record.counts.train} training and ${record.counts.heldout} held-out items as dataset "${name}".`);
  return record;
}

/** The executor model chosen in the app's settings (the default judge when it is not the planner's model); null when none or missing. */
function executorModelPath(backend: Backend): string | null {
  const settings = backend.settings;
  const executor = settings.read().models.executor;
  if (executor === null) return null;
  try {
    return new ModelsService({ modelsDir: backend.paths.models, settings }).pathOf(executor);
  } catch {
    return null;
  }
}
