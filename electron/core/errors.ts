/**
 * The one error type the back end throws on purpose. Every error a user can meet carries a stable `code`
 * (for scripts, exit codes and the UI) and, where there is one, a `hint` saying how to fix it.
 */
export class InflowError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InflowError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** Works across module copies and worker boundaries, where `instanceof` does not. */
  static isInstance(value: unknown): value is InflowError {
    return value instanceof Error && typeof (value as { code?: unknown }).code === 'string' && (value as Error).name === 'InflowError';
  }

  /** The message followed by the hint, as printed to a user. */
  toUserString(): string {
    return this.hint === undefined ? this.message : `${this.message}\n${this.hint}`;
  }
}

/** Serialisable form of an error, for IPC, worker messages and `--json` output. */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
  hint?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (InflowError.isInstance(error)) {
    return { name: error.name, code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) };
  }
  if (error instanceof Error) return { name: error.name, code: (error as { code?: string }).code ?? 'INTERNAL', message: error.message };
  return { name: 'Error', code: 'INTERNAL', message: String(error) };
}
