/**
 * The trainer object handed out by native-trainer.ts: queues jobs on one addon trainer, maps AbortSignals to
 * cancellation and addon errors to InflowErrors, resolves learning-rate schedules.
 */
import { InflowError } from '../../errors.ts';
import { learningRateAt, scheduleProblems, type LearningRateSchedule } from './native-trainer-schedule.ts';
import { toInflowError } from './native-trainer-errors.ts';
import type {
  GraphNode,
  AddonTrainer,
  MemoryEstimate,
  StepMetrics,
  StepProgress,
  StepRequest,
  TrainerInfo,
  TrainingSample,
} from './native-trainer.ts';

/** One base model + LoRA. Jobs run one at a time in call order; `signal` cancels the running job. */
export class NativeTrainer {
  #native: AddonTrainer | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #running = false;
  #disposing = false;

  constructor(native: AddonTrainer) {
    this.#native = native;
  }

  #addon(): AddonTrainer {
    if (this.#native === undefined) throw new InflowError('DISPOSED', 'The trainer was disposed.', { hint: 'Create a new trainer.' });
    return this.#native;
  }

  #enqueue<T>(job: (native: AddonTrainer) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#disposing) return Promise.reject(new InflowError('DISPOSED', 'The trainer was disposed.', { hint: 'Create a new trainer.' }));
    const run = async (): Promise<T> => {
      const native = this.#addon();
      if (this.#disposing) throw new InflowError('CANCELLED', 'The training job was cancelled: the trainer was disposed.');
      if (signal?.aborted === true) throw new InflowError('CANCELLED', 'The training job was cancelled.');
      const onAbort = (): void => native.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // set and cleared around the native call with no await in between, so dispose() cancels exactly this job
        this.#running = true;
        return await job(native);
      } catch (error) {
        throw toInflowError(error);
      } finally {
        this.#running = false;
        signal?.removeEventListener('abort', onAbort);
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Model shape, backend, LoRA configuration and the number of optimizer steps taken. */
  info(): TrainerInfo {
    return this.#addon().info();
  }

  /** Per-token log-probabilities of each sample's response (adapter on, or off for the base model). */
  logprobs(samples: readonly TrainingSample[], options: { adapter?: boolean; signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    return this.#enqueue((native) => native.logprobs(samples, options.adapter ?? true), options.signal);
  }

  /** One optimizer step over all samples (packed into micro-batches, gradients accumulated). */
  step(request: StepRequest, options: { signal?: AbortSignal; onProgress?: (progress: StepProgress) => void } = {}): Promise<StepMetrics> {
    return this.#enqueue(async (native) => {
      const learningRate = resolveLearningRate(request.learningRate, native.info().step + 1);
      const samples = request.oldLogprobs === 'given' ? request.samples : request.samples.map(({ oldLogprobs: _ignored, ...rest }) => rest);
      const result = await native.step(
        samples,
        {
          objective: request.objective,
          learningRate,
          ...pick(request, ['clipLow', 'clipHigh', 'dualClip', 'klBeta', 'weightDecay', 'maxGradNorm', 'beta1', 'beta2', 'epsilon', 'apply']),
        },
        options.onProgress,
      );
      const { responseTokens, tokens, ...rest } = result;
      return { ...rest, learningRate, tokens: responseTokens, packedTokens: tokens };
    }, options.signal);
  }

  /** Writes the adapter as a GGUF LoRA that node-llama-cpp / llama.cpp load unchanged. */
  saveAdapter(filePath: string): Promise<void> {
    return this.#enqueue((native) => native.saveAdapter(filePath));
  }

  /** Writes LoRA values, AdamW moments and the step count (a separate binary file). */
  saveState(filePath: string): Promise<void> {
    return this.#enqueue((native) => native.saveState(filePath));
  }

  /** Restores what saveState wrote; the LoRA configuration must match. */
  loadState(filePath: string): Promise<void> {
    return this.#enqueue((native) => native.loadState(filePath));
  }

  /** Memory a micro-batch of `tokens` tokens needs, measured on the real graph, and whether it fits. */
  /** Tokens a pass over `samples` puts through the model (packing and prefix sharing included), for throughput figures. */
  async packedTokens(samples: readonly TrainingSample[]): Promise<number> {
    return this.#enqueue(async (native) => native.packedTokens(samples));
  }

  async estimateMemory(options: { tokens: number; objective?: 'grpo' | 'sft'; klBeta?: number }): Promise<MemoryEstimate> {
    return this.#enqueue(async (native) => native.estimateMemory(options.tokens, options.objective ?? 'grpo', (options.klBeta ?? 0) > 0));
  }

  /**
   * The nodes of the graphs a step over `tokens` tokens builds, in the form GPU backends get them (the hand-written
   * backward's portable graph; views and reshapes left out): for the ops audit against each backend's supports_op.
   */
  async graphNodes(options: { tokens: number; objective?: 'grpo' | 'sft'; klBeta?: number; recompute?: boolean }): Promise<GraphNode[]> {
    return this.#enqueue(async (native) =>
      native.graphNodes(options.tokens, options.objective ?? 'grpo', (options.klBeta ?? 0) > 0, options.recompute ?? false),
    );
  }

  parameterNames(): string[] {
    return this.#addon().parameterNames();
  }

  /** A LoRA tensor's values, or (gradient: true) the gradient accumulated by the last step. */
  getParameter(name: string, options: { gradient?: boolean } = {}): Float32Array {
    try {
      return this.#addon().getParameter(name, options.gradient ?? false);
    } catch (error) {
      throw toInflowError(error);
    }
  }

  setParameter(name: string, values: Float32Array): void {
    try {
      this.#addon().setParameter(name, values);
    } catch (error) {
      throw toInflowError(error);
    }
  }

  /**
   * Cancels the running job, rejects jobs that have not started (CANCELLED) and frees the model and buffers; later
   * calls fail with DISPOSED.
   */
  async dispose(): Promise<void> {
    const native = this.#native;
    if (native === undefined || this.#disposing) return;
    this.#disposing = true;
    if (this.#running) native.cancel();
    await this.#queue;
    this.#native = undefined;
    native.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

function resolveLearningRate(value: number | LearningRateSchedule, step: number): number {
  if (typeof value === 'number') {
    if (!(value >= 0) || !Number.isFinite(value)) throw new InflowError('BAD_OPTIONS', `learningRate must be a finite number >= 0, got ${value}.`);
    return value;
  }
  const problems = scheduleProblems(value);
  if (problems.length > 0) throw new InflowError('BAD_OPTIONS', `Invalid learning-rate schedule: ${problems.join('; ')}.`);
  return learningRateAt(value, step);
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
