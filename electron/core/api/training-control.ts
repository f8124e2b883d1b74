import type { Backend } from '../backend.ts';
import type { EventHub } from './event-hub.ts';
import type { SettingsService } from './settings-service.ts';
import type { ModelsService } from './models-service.ts';
import type { TrainingReads } from './training-service.ts';
import { toPoint } from './training-service.ts';
import type { TrainingPreset, TrainingRunView } from '../contract/training.ts';
import { defaultTrainingConfig } from '../training/flow-grpo/training-config.ts';
import type { LoraConfig } from '../training/trainer/trainer-protocol.ts';
import { chooseTrainingJudge } from '../training/flow-grpo/judge-choice.ts';
import type { train, TrainingEvent } from '../training/flow-grpo/training-loop.ts';
import type { TrainerChannel } from '../training/trainer/trainer-process.ts';
import type { TrainingDevice } from '../training/trainer/device-self-check.ts';
import { launchTraining } from '../training/flow-grpo/launch-training.ts';
import { resolveTrainingConfig, storedTrainingConfig, type TrainingConfig } from '../training/flow-grpo/training-config.ts';
import { endTrainingRun } from '../training/end-run.ts';
import { InflowError } from '../errors.ts';

/** Starts the process that hosts the native trainer: an Electron utility process in the app; default a Node child. */
export type TrainingLauncher = () => TrainerChannel;

interface ActiveTraining {
  controller: AbortController;
  done: Promise<void>;
}

export interface TrainingControlOptions {
  backend: Backend;
  settings: SettingsService;
  models: ModelsService;
  reads: TrainingReads;
  events: EventHub;
  launch?: TrainingLauncher | undefined;
  gpu: false | 'auto';
  threads?: number | undefined;
  contextSize?: number | undefined;
}

/**
 * Starts and stops Flow-GRPO runs for the Training screen (the loop is electron/core/training's `train`,
 * with its own planner and fixed models, and the native update in a separate process) and forwards each
 * finished step's metrics as `training-progress`. Stopping or quitting cancels at a safe point: the loop
 * commits whole steps only, so a stopped run resumes from its last completed step.
 */
export class TrainingControl {
  private readonly options: TrainingControlOptions;
  private readonly active = new Map<string, ActiveTraining>();

  constructor(options: TrainingControlOptions) {
    this.options = options;
  }

  /** Starts a run; resolves once it is recorded and its trainer is up. */
  async start(input: {
    datasetId: string;
    preset: TrainingPreset;
    steps?: number;
    groupSize?: number;
    judgeModelId?: string | null;
  }): Promise<TrainingRunView> {
    const { models } = this.options.settings.read();
    if (models.planner === null)
      throw new InflowError('NO_PLANNER_MODEL', 'No planner model is chosen.', {
        hint: 'Choose a planner model on the Models screen first: training adapts that model.',
      });
    const dataset = this.options.reads.datasets.get(input.datasetId);
    const { preset } = input;
    const groupSize = input.groupSize ?? preset.groupSize;
    const modelPath = this.options.models.pathOf(models.planner);
    const judge = chooseTrainingJudge({
      plannerPath: modelPath,
      noJudge: input.judgeModelId === null,
      judgePath: typeof input.judgeModelId === 'string' ? this.options.models.pathOf(input.judgeModelId) : null,
      executorPath: models.executor === null ? null : this.options.models.pathOf(models.executor),
    });
    return this.launch({
      modelPath,
      groupSize,
      target: {
        datasetId: dataset.id,
        config: {
          steps: input.steps ?? preset.steps,
          groupSize,
          tasksPerStep: preset.tasksPerStep,
          learningRate: preset.learningRate,
          evalLimit: preset.evalLimit,
          lora: { rank: preset.loraRank, alpha: preset.loraRank * 2, targets: ['q', 'k', 'v', 'o'] },
          ...(this.options.contextSize === undefined ? {} : { contextSize: this.options.contextSize }),
          ...(this.options.threads === undefined ? {} : { threads: this.options.threads }),
          judgeModel: judge.path,
        },
      },
      note: judge.reason,
    });
  }

  /** Continues a paused or interrupted run from its last completed step. */
  async resume(trainingRunId: string): Promise<TrainingRunView> {
    const run = this.options.reads.getRun(trainingRunId);
    if (run.status === 'completed')
      throw new InflowError('TRAINING_DONE', 'This run has already completed all its steps.', { hint: 'Start a new run to train further.' });
    if (run.status === 'cancelled') throw new InflowError('TRAINING_DONE', 'This run was ended.', { hint: 'Start a new run to train further.' });
    const judgeModel = typeof run.config.judgeModel === 'string' ? run.config.judgeModel : null;
    // A resumed run keeps its judge (checked again: the file must still exist and still not be the planner's).
    const judge = chooseTrainingJudge({ plannerPath: run.baseModel, judgePath: judgeModel, noJudge: judgeModel === null });
    return this.launch({
      modelPath: run.baseModel,
      groupSize: Number(run.config.groupSize ?? 8),
      stored: storedTrainingConfig(run.config),
      judgePath: judge.path,
      note: judge.reason,
      target: { resumeRunId: run.id },
    });
  }

  private async launch(input: {
    modelPath: string;
    groupSize: number;
    stored?: TrainingConfig;
    judgePath?: string | null;
    note?: string;
    target: { datasetId: string; config: NonNullable<Parameters<typeof train>[0]['config']> } | { resumeRunId: string };
  }): Promise<TrainingRunView> {
    if (this.active.size > 0)
      throw new InflowError('TRAINING_BUSY', 'A training run is already going.', { hint: 'Stop it first, or wait until it finishes.' });
    const { modelPath, groupSize } = input;
    // a resumed run keeps the context, agent steps and threads stored with it
    const settings = input.stored ?? resolveTrainingConfig('config' in input.target ? input.target.config : {});
    const judgePath = input.judgePath ?? ('config' in input.target ? (input.target.config.judgeModel ?? null) : null);
    const lora =
      ('config' in input.target
        ? input.target.config.lora
        : (this.options.reads.getRun(input.target.resumeRunId).config.lora as LoraConfig | undefined)) ?? defaultTrainingConfig.lora;
    const controller = new AbortController();
    const { events, launch, threads } = this.options;
    let trainingRunId: string | null = null;
    let placement: TrainingDevice | undefined;
    return new Promise<TrainingRunView>((resolve, reject) => {
      const onEvent = (event: TrainingEvent) => {
        if (event.type === 'started') {
          trainingRunId = event.run.id;
          this.active.set(event.run.id, entry);
          events.emit('training-progress', {
            trainingRunId,
            status: 'running',
            point: null,
            message: `${event.resumedFromStep > 0 ? `Resumed after step ${event.resumedFromStep}` : 'Started'}${input.note === undefined ? '' : `; ${input.note}`}. ${placement?.message ?? ''}`,
          });
          resolve(this.options.reads.getRun(event.run.id));
        } else if (event.type === 'step' && trainingRunId !== null) {
          events.emit('training-progress', {
            trainingRunId,
            status: 'running',
            point: toPoint(event.step, Date.now(), event.metrics as Record<string, unknown>),
            message: null,
          });
        } else if (event.type === 'phase' && trainingRunId !== null) {
          events.emit('training-progress', { trainingRunId, status: 'running', point: null, message: phaseText(event.step, event.phase) });
        } else if (event.type === 'rollout' && trainingRunId !== null) {
          events.emit('training-progress', {
            trainingRunId,
            status: 'running',
            point: null,
            message: `Step ${event.step}: rollouts ${event.done} of ${event.total}`,
          });
        } else if (event.type === 'warning' && trainingRunId !== null) {
          events.emit('training-progress', {
            trainingRunId,
            status: 'running',
            point: null,
            message: `${event.warning.message} Fix: ${event.warning.hint}`,
          });
        } else if (event.type === 'promoted' && trainingRunId !== null) {
          events.emit('training-progress', {
            trainingRunId,
            status: 'running',
            point: null,
            message: `Adapter v${event.adapter.version} promoted: it beat the best held-out accuracy so far`,
          });
        }
      };
      const entry: ActiveTraining = { controller, done: Promise.resolve() };
      // the same start as `inflow train` (launch-training.ts): disk check, the update's device (the CPU when the app
      // runs on the CPU, else the GPU self-check), the models, the loop with its trainer process, retention at the end
      entry.done = launchTraining(
        {
          backend: this.options.backend,
          modelPath,
          lora,
          settings,
          judgePath,
          cpu: this.options.gpu === false || this.options.settings.read().compute.cpuOnly,
          gpu: this.options.gpu,
          sequences: Math.min(4, groupSize),
          ...(threads === undefined ? {} : { trainerThreads: threads }),
          ...(launch === undefined ? {} : { channel: launch }),
          onDevice: (chosen) => {
            placement = chosen;
          },
        },
        {
          signal: controller.signal,
          onEvent,
          ...('resumeRunId' in input.target
            ? { resumeRunId: input.target.resumeRunId }
            : { datasetId: input.target.datasetId, baseModel: modelPath, config: input.target.config }),
        },
      )
        .then(({ result }) => result)
        .then(
          () => undefined,
          (error: unknown) => {
            if (trainingRunId === null) reject(error);
            else
              events.emit('training-progress', {
                trainingRunId,
                status: 'failed',
                point: null,
                message: error instanceof Error ? error.message : String(error),
              });
          },
        )
        .finally(() => {
          if (trainingRunId !== null) {
            this.active.delete(trainingRunId);
            events.emit('training-progress', {
              trainingRunId,
              status: this.options.reads.getRun(trainingRunId).status,
              point: null,
              message: 'Stopped',
            });
          }
        });
    });
  }

  /**
   * A run the database says is running but that no process here runs was interrupted (the app quit or
   * crashed mid-step); it is shown as paused, and resuming continues from its last completed step.
   */
  present(run: TrainingRunView): TrainingRunView {
    return run.status === 'running' && !this.active.has(run.id) ? { ...run, status: 'paused' } : run;
  }

  /**
   * Ends a run the user will not resume (training/end-run.ts): it must not be training here; one that a kill left
   * marked running is shown as paused (`present`) and can be ended. Returns the run and the bytes retention freed.
   */
  end(trainingRunId: string): { run: TrainingRunView; freedBytes: number } {
    if (this.active.has(trainingRunId)) throw new InflowError('TRAINING_BUSY', 'This run is training.', { hint: 'Stop it first, then end it.' });
    const { freed } = endTrainingRun(this.options.backend, trainingRunId, { alsoRunning: true });
    return { run: this.options.reads.getRun(trainingRunId), freedBytes: freed.bytes };
  }

  /** Asks a run to stop; it finishes the current safe point and is recorded as stopped, resumable. */
  async stop(trainingRunId: string): Promise<boolean> {
    const run = this.active.get(trainingRunId);
    if (run === undefined) return false;
    run.controller.abort();
    await run.done;
    return true;
  }

  async dispose(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) run.controller.abort();
    await Promise.allSettled(runs.map((run) => run.done));
  }
}

function phaseText(step: number, phase: string): string {
  const words: Record<string, string> = {
    trainer: 'starting the trainer',
    baseline: 'measuring the base model on held-out questions',
    rollout: 'running the agent',
    update: 'updating the adapter',
    swap: 'loading the new adapter',
    eval: 'checking held-out accuracy',
    checkpoint: 'saving a checkpoint',
    'idle-wait': 'waiting until the computer is idle',
  };
  return step === 0 ? `Before step 1: ${words[phase] ?? phase}` : `Step ${step}: ${words[phase] ?? phase}`;
}
