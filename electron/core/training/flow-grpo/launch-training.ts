import { applyRetention, type RetentionPlan } from '../../adapters/retention.ts';
import type { Backend } from '../../backend.ts';
import { chooseTrainingDevice, type TrainingDevice } from '../trainer/device-self-check.ts';
import { startTrainerProcess, type TrainerChannel } from '../trainer/trainer-process.ts';
import type { LoraConfig } from '../trainer/trainer-protocol.ts';
import { openTrainingSession } from './cli-session.ts';
import type { TrainingConfig } from './training-config.ts';
import { assertTrainingFits } from './training-disk.ts';
import { train, type TrainOptions, type TrainResult } from './training-loop.ts';

export interface LaunchTrainingOptions {
  backend: Backend;
  /** The base model the planner runs and the trainer adapts. */
  modelPath: string;
  /** The run's LoRA shape (the disk check sizes its adapters and trainer states by it). */
  lora: LoraConfig;
  /** The run's context, agent steps per rollout and threads (0: the engine's default). */
  settings: Pick<TrainingConfig, 'contextSize' | 'maxAgentSteps' | 'threads'>;
  /** The judge model of free-form answers, or null (never the planner's own model: judge-choice.ts). */
  judgePath: string | null;
  /** The update on the CPU (--cpu, Settings → "Use the CPU only"); else the GPU self-check decides. */
  cpu: boolean;
  /** GPU use of the inference engine (default 'auto'). */
  gpu?: false | 'auto';
  /** Parallel sequences of the planner's context. */
  sequences: number;
  /** Threads of the trainer process (default: the engine's). */
  trainerThreads?: number;
  /** How the trainer's process starts: an Electron utility process in the app; default a Node child. */
  channel?: () => TrainerChannel;
  /** Where the update will run, once chosen (before any model loads). */
  onDevice?: (placement: TrainingDevice) => void;
  /** The update's progress inside the trainer process (the CLI's progress bar). */
  onUpdateProgress?: (phase: string, detail?: Record<string, unknown>) => void;
  /** What the retention rule deleted once the run ended. */
  onPruned?: (plan: RetentionPlan) => void;
}

/** What the training loop is given beyond the pieces launchTraining builds: the run, its events and its signal. */
export type TrainingRun = Omit<TrainOptions, 'db' | 'runs' | 'agent' | 'planner' | 'judge' | 'startTrainer' | 'adaptersDir'>;

/**
 * The one way a Flow-GRPO run starts, from the app's Training screen (api/training-control.ts) and from `inflow train`:
 * the disk check (a run that would not fit refuses to start, before any model loads), the update's device (the CPU
 * when asked, else the GPU self-check of this device, run once and remembered), the planner, fixed modules and judge
 * on the local engine (cli-session.ts), then the loop with the native trainer in its own process. When the run ends,
 * however it ends, the models are freed and the retention rule prunes adapter files and trainer states.
 * Resolves once the device is chosen and the models are loaded, with the running loop's result.
 */
export async function launchTraining(
  options: LaunchTrainingOptions,
  run: TrainingRun,
): Promise<{ placement: TrainingDevice; result: Promise<TrainResult> }> {
  const { backend, settings } = options;
  assertTrainingFits({ modelPath: options.modelPath, lora: options.lora, adaptersDir: backend.paths.adapters });
  const threads = settings.threads > 0 ? { threads: settings.threads } : {};
  const placement = await chooseTrainingDevice({ dataDir: backend.paths.dataDir, modelPath: options.modelPath, cpu: options.cpu, ...threads });
  options.onDevice?.(placement);
  const session = await openTrainingSession({
    backend,
    modelPath: options.modelPath,
    gpu: options.gpu ?? 'auto',
    sequences: options.sequences,
    maxSteps: settings.maxAgentSteps,
    contextSize: settings.contextSize,
    ...threads,
    judge: options.judgePath === null ? null : { path: options.judgePath },
  });
  const result = train({
    ...run,
    db: backend.db,
    stores: backend,
    runs: backend.runs,
    agent: session.agent,
    planner: session.planner,
    ...(session.judge === undefined ? {} : { judge: session.judge }),
    adaptersDir: backend.paths.adapters,
    startTrainer: (init) =>
      startTrainerProcess({
        init: { ...init, device: placement.device, ...(options.trainerThreads === undefined ? {} : { threads: options.trainerThreads }) },
        ...(run.signal === undefined ? {} : { signal: run.signal }),
        ...(options.channel === undefined ? {} : { channel: options.channel }),
        ...(options.onUpdateProgress === undefined ? {} : { onProgress: options.onUpdateProgress }),
      }),
  }).finally(async () => {
    await session.close().catch(() => undefined);
    options.onPruned?.(applyRetention(backend));
  });
  return { placement, result };
}
