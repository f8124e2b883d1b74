import type { Backend } from '../core/backend.ts';

/** What every command gets: parsed global options, output streams, a cancellation signal, the back end. */
export interface CliContext {
  dataDir: string;
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Opens the back end on first use (database, stores); closed by the CLI when the command ends. */
  backend(): Promise<Backend>;
  /** Writes a line (human mode) — use `printJson` for --json output. */
  print(line?: string): void;
  printJson(value: unknown): void;
}

/** One `inflow <name>` command; one file per command in ./commands/. */
export interface CliCommand {
  name: string;
  summary: string;
  /** Usage text shown by `inflow help <name>` and on usage errors. */
  usage: string;
  /** Returns the exit code (0 when omitted). */
  run(context: CliContext, args: string[]): Promise<number | void>;
}
