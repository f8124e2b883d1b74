/**
 * Cuts streamed text at the first stop sequence. Text that could still become a stop sequence is held back, so
 * a client never sees part of one; `push` returns what may be sent now.
 */
export class StopMatcher {
  private readonly stops: readonly string[];
  private readonly hold: number;
  private buffer = '';
  private sent = '';
  stopped = false;

  constructor(stops: readonly string[]) {
    this.stops = stops;
    this.hold = Math.max(0, ...stops.map((stop) => stop.length - 1));
  }

  /** The text so far, up to (not including) a stop sequence. */
  get text(): string {
    return this.sent + (this.stopped ? '' : this.buffer);
  }

  push(chunk: string): string {
    if (this.stopped) return '';
    this.buffer += chunk;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.buffer.indexOf(stop);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.stopped = true;
      const out = this.buffer.slice(0, cut);
      this.sent += out;
      this.buffer = '';
      return out;
    }
    const safe = Math.max(0, this.buffer.length - this.hold);
    const out = this.buffer.slice(0, safe);
    this.buffer = this.buffer.slice(safe);
    this.sent += out;
    return out;
  }

  /** What was held back, at the end of generation. */
  flush(): string {
    if (this.stopped) return '';
    const out = this.buffer;
    this.sent += out;
    this.buffer = '';
    return out;
  }
}
