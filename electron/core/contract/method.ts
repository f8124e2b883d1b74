import type { z } from 'zod';

/**
 * One method of the contract: the zod schema its input must pass (checked in the main process, the trust
 * boundary) and, as a phantom type, what it returns. Output types are plain data that survive structured
 * clone, so the same value reaches the renderer over IPC or over the test bridge.
 */
export interface MethodSpec<Input extends z.ZodType, Output> {
  readonly input: Input;
  /** Never set at runtime; carries the output type. */
  readonly output?: Output;
}

/** `method<Output>()(inputSchema)`: declares a method that takes `inputSchema` and resolves to `Output`. */
export function method<Output>() {
  return <Input extends z.ZodType>(input: Input): MethodSpec<Input, Output> => ({ input });
}

/** What every call resolves to across the process boundary. Errors keep their stable code and hint. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface ApiError {
  code: string;
  message: string;
  hint?: string;
}
