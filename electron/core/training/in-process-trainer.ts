import { InflowError } from '../errors.ts';
import type { PolicyTrainer, TrainerInit, TrainStepRequest, TrainStepResult } from './trainer-protocol.ts';

/**
 * The native ggml trainer (./native-trainer.ts) behind the PolicyTrainer port, in the calling process. The
 * training loop normally reaches it through a trainer process (./trainer-process.ts); this is what that
 * process runs, and what small in-process tools may use directly. The addon is imported lazily so that code
 * which never trains does not load it.
 */
export async function createInProcessTrainer(init: TrainerInit): Promise<PolicyTrainer> {
  const native = await import('./native-trainer.ts');
  const trainer = await native.createTrainer({
    modelPath: init.modelPath,
    lora: init.lora,
    ...(init.threads === undefined ? {} : { threads: init.threads }),
  });
  return {
    async step(request: TrainStepRequest): Promise<TrainStepResult> {
      const started = performance.now();
      const result = (await trainer.step(request)) as unknown as Record<string, unknown>;
      const tokens = request.samples.reduce((n, s) => n + s.responseTokens.length, 0);
      return {
        loss: numberOr(result.loss, NaN),
        kl: numberOr(result.kl, 0),
        clipFraction: numberOr(result.clipFraction, 0),
        tokens: numberOr(result.tokens, tokens),
        durationMs: performance.now() - started,
      };
    },
    async saveAdapter(path) { await trainer.saveAdapter(path); },
    async saveState(path) { await trainer.saveState(path); },
    async loadState(path) { await trainer.loadState(path); },
    async close() { await (trainer as { dispose?: () => unknown }).dispose?.(); },
  };
}

function numberOr(value: unknown, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    if (Number.isNaN(fallback)) throw new InflowError('TRAINER_FAILED', 'The native trainer returned no loss for the step.', { hint: 'The update diverged or the addon is out of date; rebuild it with `npm run build:native`.' });
    return fallback;
  }
  return value;
}
