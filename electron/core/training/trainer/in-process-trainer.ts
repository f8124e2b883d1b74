import fs from 'node:fs';
import { miniBatchStep } from '../flow-grpo/minibatch-update.ts';
import type { PolicyTrainer, TrainerInit, TrainStepRequest, TrainStepResult } from './trainer-protocol.ts';

/**
 * The native ggml trainer (./native-trainer.ts) behind the PolicyTrainer port, in the calling process. The
 * training loop normally reaches it through a trainer process (./trainer-process.ts); this is what that
 * process runs. The old policy's log-probs are recomputed by the trainer right before the update (as verl's
 * actor does), not taken from the sampler. Files are written beside their target and renamed, so a process
 * killed mid-write never leaves a half-written adapter or checkpoint under the final name.
 */
export async function createInProcessTrainer(
  init: TrainerInit,
  options: { onProgress?: (phase: string, detail: Record<string, unknown>) => void } = {},
): Promise<PolicyTrainer> {
  const native = await import('./native-trainer.ts');
  const trainer = await native.createTrainer({
    modelPath: init.modelPath,
    lora: init.lora,
    ...(init.threads === undefined ? {} : { threads: init.threads }),
    ...(init.resumeAdapter === undefined ? {} : { resumeAdapter: init.resumeAdapter }),
    ...(init.referenceAdapter === undefined ? {} : { referenceAdapter: init.referenceAdapter }),
    // every sample the rollouts can produce fits one micro-batch (the loop truncates or drops longer ones)
    ...(init.maxSampleTokens === undefined
      ? {}
      : { maxSequenceTokens: init.maxSampleTokens, microBatchTokens: Math.max(2048, init.maxSampleTokens) }),
    ...(init.device === undefined ? {} : { device: init.device }),
  });
  const atomically = async (file: string, write: (tmp: string) => Promise<void>) => {
    const tmp = `${file}.tmp-${process.pid}`;
    await write(tmp);
    fs.renameSync(tmp, file);
  };
  return {
    step: (request: TrainStepRequest): Promise<TrainStepResult> =>
      miniBatchStep(
        trainer,
        request,
        options.onProgress === undefined
          ? undefined
          : (p) => {
              options.onProgress!(`update:${p.phase}`, {
                update: p.update,
                updates: p.updates,
                ...(p.microBatch === undefined ? {} : { microBatch: p.microBatch, microBatches: p.microBatches }),
                ...(p.metrics ? { metrics: p.metrics } : {}),
              });
            },
      ),
    saveAdapter: (file) => atomically(file, (tmp) => trainer.saveAdapter(tmp)),
    saveState: (file) => atomically(file, (tmp) => trainer.saveState(tmp)),
    loadState: (file) => trainer.loadState(file),
    async close() {
      await trainer.dispose();
    },
  };
}
