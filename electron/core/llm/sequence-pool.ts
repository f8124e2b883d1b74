import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';

/**
 * Hands out a context's sequences one generation at a time; callers beyond the number of sequences wait.
 * Concurrent generations on different sequences share the context's batches, so N rollouts cost far less
 * than N times one.
 */
export class SequencePool {
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiters: Array<(sequence: LlamaContextSequence) => void> = [];
  readonly size: number;

  constructor(context: LlamaContext) {
    this.size = context.totalSequences;
    for (let index = 0; index < this.size; index++) this.free.push(context.getSequence());
  }

  acquire(): Promise<LlamaContextSequence> {
    const sequence = this.free.pop();
    if (sequence !== undefined) return Promise.resolve(sequence);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(sequence: LlamaContextSequence): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(sequence);
    else this.free.push(sequence);
  }

  /** Waits until every sequence is back (no generation running) and keeps them. */
  async drain(): Promise<void> {
    const taken: Promise<LlamaContextSequence>[] = [];
    for (let index = 0; index < this.size; index++) taken.push(this.acquire());
    await Promise.all(taken);
  }
}
