import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput } from './common.ts';

/** What a native file or folder picker is asked to show. */
export const pickPathSchema = z
  .object({
    kind: z.enum(['file', 'folder']),
    title: z.string().min(1).max(200).optional(),
    filters: z
      .array(
        z.object({
          name: z.string().min(1).max(100),
          extensions: z
            .array(
              z
                .string()
                .regex(/^[\w*]+$/)
                .max(20),
            )
            .min(1)
            .max(20),
        }),
      )
      .max(10)
      .optional(),
  })
  .strict();
export type PickPathRequest = z.infer<typeof pickPathSchema>;
export type PickPathResult = { path: string } | { cancelled: true };

export interface DataLocation {
  /** The data folder this session uses. */
  current: string;
  /** The folder recorded for the next start, when it differs from the current one. */
  next: string | null;
  /** Where the choice is recorded (read by the app at start, before it opens the back end). */
  configFile: string;
  /** INFLOW_DATA_DIR is set and overrides any recorded choice. */
  envOverride: boolean;
}

/** One GPU self-check before training on a device (electron/core/training/trainer/device-self-check.ts). */
export interface SelfCheckView {
  /** The GPU (as ggml names it) that was checked. */
  device: string;
  passed: boolean;
  /** Why it failed; training then uses the CPU. */
  reason?: string;
  logprobMaxAbsDiff?: number;
  gradientRelError?: number;
  deviceStepSeconds?: number;
  cpuStepSeconds?: number;
  checkedAt: string;
}

/** Where the trainer binary comes from, and the remembered GPU self-checks. */
export interface TrainerStatus {
  addon: { found: boolean; kind: 'env' | 'local-build' | 'prebuilt'; dir: string; problem?: string };
  selfChecks: SelfCheckView[];
  /** The disk rule for adapters and trainer states, and what applying it now would free. */
  retention: { keepLast: number; reclaimableBytes: number };
}

/** The operating system: native pickers and where the data folder lives. */
export const systemContract = {
  pickPath: method<PickPathResult>()(pickPathSchema),
  dataLocation: method<DataLocation>()(emptyInput),
  /** The training backend: prebuilt or locally built trainer, and the GPU self-check results. */
  trainerStatus: method<TrainerStatus>()(emptyInput),
  /** Records the data folder for the next start (null: back to the default). Moves and deletes nothing. */
  setDataDir: method<DataLocation>()(z.object({ path: z.string().min(1).max(4096).nullable() }).strict()),
};
