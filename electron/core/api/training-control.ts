import type { Backend } from '../backend.ts';
import type { EventHub } from './event-hub.ts';
import type { SettingsService } from './settings-service.ts';
import type { TrainingReads } from './training-service.ts';
import type { TrainingPreset, TrainingRunView } from '../contract/training.ts';
import { InflowError } from '../errors.ts';

/**
 * A message channel to a process that hosts the native trainer (`electron/core/training/trainer-worker.ts`):
 * an Electron utility process in the app, a Node child process in tests and the CLI.
 */
export interface TrainerProcess {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}
export type TrainingLauncher = (options: { entry: string }) => TrainerProcess;

/**
 * Starts and stops Flow-GRPO runs for the Training screen and forwards their per-step metrics as
 * `training-progress` events. The training loop itself belongs to electron/core/training.
 */
export class TrainingControl {
  private readonly options: { backend: Backend; settings: SettingsService; reads: TrainingReads; events: EventHub; launch?: TrainingLauncher | undefined };

  constructor(options: { backend: Backend; settings: SettingsService; reads: TrainingReads; events: EventHub; launch?: TrainingLauncher | undefined }) {
    this.options = options;
  }

  async start(input: { datasetId: string; preset: TrainingPreset; steps?: number; groupSize?: number }): Promise<TrainingRunView> {
    const planner = this.options.settings.read().models.planner;
    if (planner === null) throw new InflowError('NO_PLANNER_MODEL', 'No planner model is set.', { hint: 'Choose a planner model on the Models screen first.' });
    this.options.reads.datasets.get(input.datasetId);
    throw new InflowError('TRAINING_UNAVAILABLE', 'The Flow-GRPO training loop is not part of this build yet.', {
      hint: 'Datasets and adapters can be managed now; training can be started from the CLI once `inflow train` is available.',
    });
  }

  async stop(_trainingRunId: string): Promise<boolean> {
    return false;
  }

  async dispose(): Promise<void> {}
}
