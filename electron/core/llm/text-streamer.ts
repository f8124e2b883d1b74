import type { LlamaModel, Token } from 'node-llama-cpp';

/**
 * Turns generated tokens into text chunks as they arrive, holding back a token whose bytes end in the middle of
 * a UTF-8 character until the next one completes it.
 */
export class TextStreamer {
  private readonly model: LlamaModel;
  private readonly emitted: Token[] = [];
  private pending: Token[] = [];
  text = '';

  constructor(model: LlamaModel) {
    this.model = model;
  }

  /** Adds a token; returns the newly complete text, or '' while a character is incomplete. */
  push(token: Token): string {
    this.pending.push(token);
    const chunk = this.model.detokenize(this.pending, false, this.emitted.slice(-8));
    if (chunk.endsWith('\uFFFD') && this.pending.length < 4) return '';
    this.emitted.push(...this.pending);
    this.pending = [];
    this.text += chunk;
    return chunk;
  }

  /** Flushes whatever is held back (at the end of generation). */
  flush(): string {
    if (this.pending.length === 0) return '';
    const chunk = this.model.detokenize(this.pending, false, this.emitted.slice(-8));
    this.emitted.push(...this.pending);
    this.pending = [];
    this.text += chunk;
    return chunk;
  }
}
