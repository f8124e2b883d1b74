import type { ChildProcess } from 'node:child_process';

/**
 * Sends `message` to a child process over IPC without ever throwing into the caller's process. A child that is
 * going away (killed when a run is stopped, dead of its memory limit) closes its end first, and a plain
 * `child.send` then fails later with EPIPE as an 'error' event on the child: with no listener, an uncaught
 * exception that takes the app down. Here a send to a child no longer connected is dropped, and a failed send is
 * ignored: every caller also watches the child's 'exit', which is how it learns the child is gone.
 */
export function sendToChild(child: ChildProcess, message: unknown): void {
  if (!child.connected) return;
  // a failed send is reported by the child's 'exit', which follows
  child.send(message as Parameters<ChildProcess['send']>[0], () => undefined);
}
