import { Writable } from 'node:stream';

/**
 * Output rules of `inflow` that every command gets without doing anything:
 * - a reader that goes away (`inflow runs list | head -3`) is not an error: EPIPE on stdout or stderr calls
 *   `onClosed` once (the CLI cancels the command and exits 0, as `head` expects) and later writes are dropped;
 * - progress on a stream that is not a terminal comes as lines: a write that starts with a carriage return (a
 *   progress update on a terminal) becomes one line, an erase-line code is dropped, and an update equal to the
 *   previous one is not repeated. Commands write `\r...` progress and need not ask whether it is a terminal.
 */
const watched = new WeakSet<NodeJS.WritableStream>();
const closedStreams = new WeakSet<NodeJS.WritableStream>();
const closeListeners = new Set<() => void>();

/**
 * Watches `streams` for a reader that went away. The error listener stays for the life of the process (an EPIPE
 * is reported a tick after the write that failed, possibly after the command has returned); `onClosed` is
 * called at most once, until `dispose`.
 */
export function watchClosedPipes(streams: NodeJS.WritableStream[], onClosed: () => void): { closed(): boolean; dispose(): void } {
  let closed = false;
  const listener = () => {
    if (!closed) {
      closed = true;
      onClosed();
    }
  };
  closeListeners.add(listener);
  for (const stream of streams) {
    if (closedStreams.has(stream)) listener();
    if (watched.has(stream)) continue;
    watched.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
      closedStreams.add(stream);
      for (const notify of closeListeners) notify();
    });
  }
  return {
    closed: () => closed,
    dispose: () => {
      closeListeners.delete(listener);
    },
  };
}

const eraseLine = /\x1b\[K/g;

/** `target` itself on a terminal; elsewhere a stream that turns carriage-return progress into lines. */
export function progressAsLines(target: NodeJS.WritableStream & { isTTY?: boolean }, isClosed: () => boolean): NodeJS.WritableStream {
  if (target.isTTY === true) return target;
  let last = '';
  const out = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      if (isClosed()) {
        callback();
        return;
      }
      const [head = '', ...updates] = String(chunk).replace(eraseLine, '').split('\r');
      let result = head;
      if (head !== '') last = '';
      for (const piece of updates) {
        const newline = piece.indexOf('\n');
        const update = (newline === -1 ? piece : piece.slice(0, newline)).trimEnd();
        const rest = newline === -1 ? '' : piece.slice(newline + 1);
        if (update !== '' && update !== last) {
          result += `${result === '' || result.endsWith('\n') ? '' : '\n'}${update}\n`;
          last = update;
        }
        if (rest !== '') {
          result += rest;
          last = '';
        }
      }
      if (result !== '') target.write(result);
      callback();
    },
  });
  return Object.assign(out, { isTTY: false });
}
