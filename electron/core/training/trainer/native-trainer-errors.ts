import { InflowError } from '../../errors.ts';

/** Converts an addon rejection (an Error with `code`/`hint`) into an InflowError. */
export function toInflowError(error: unknown): InflowError {
  if (InflowError.isInstance(error)) return error;
  const e = error as { code?: unknown; message?: unknown; hint?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'TRAINER_FAILED';
  const message = typeof e.message === 'string' ? e.message : String(error);
  return new InflowError(code, `Native trainer: ${message}`, { ...(typeof e.hint === 'string' ? { hint: e.hint } : {}), cause: error });
}
