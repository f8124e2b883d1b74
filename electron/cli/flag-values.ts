import { InflowError } from '../core/errors.ts';

/**
 * A command's numeric flag as given on the command line: undefined when the flag is absent, its value when it keeps
 * the rule, else a USAGE error (exit 2) naming the flag, the rule and what was given, with `hint` (the command's usage)
 * to follow. Every `inflow` command reads its numbers through these two, so `--threads abc` never reaches the engine
 * as NaN.
 */
export function wholeNumberFlag(value: string | undefined, flag: string, range: { min: number; max?: number }, hint?: string): number | undefined {
  if (value === undefined) return undefined;
  const { min, max = Infinity } = range;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    const rule = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new InflowError('USAGE', `--${flag} must be a whole number ${rule}, not "${value}".`, hint === undefined ? {} : { hint });
  }
  return parsed;
}

/** A numeric flag that may have a fraction, checked by `rule` (its text completes "--flag must be …"). */
export function numberFlag(
  value: string | undefined,
  flag: string,
  rule: { text: string; holds: (value: number) => boolean } = { text: 'a number', holds: () => true },
  hint?: string,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !rule.holds(parsed))
    throw new InflowError('USAGE', `--${flag} must be ${rule.text}, not "${value}".`, hint === undefined ? {} : { hint });
  return parsed;
}
