/** Exit codes of `inflow`, stable for scripts. */
export const ExitCode = {
  ok: 0,
  failure: 1, // the command ran and failed (error printed)
  usage: 2, // bad arguments or options
  notFound: 3, // an id, file, model or benchmark that does not exist
  badInput: 4, // input that exists but is invalid (not GGUF, malformed dataset, future database ...)
  resources: 5, // not enough disk, RAM or VRAM
  cancelled: 130, // interrupted by Ctrl-C
} as const;

/** Maps an InflowError code to an exit code; README.md's exit-code table lists every code (test/unit/cli/exit-code-table.test.ts). */
export function exitCodeFor(code: string): number {
  if (code === 'USAGE') return ExitCode.usage;
  if (
    code.endsWith('NOT_FOUND') ||
    code.startsWith('UNKNOWN_') ||
    code.endsWith('NOT_INSTALLED') ||
    code.endsWith('_UNKNOWN') ||
    code === 'NO_MODEL' ||
    code === 'NO_PLANNER_MODEL'
  )
    return ExitCode.notFound;
  if (code === 'CANCELLED' || code === 'ABORTED') return ExitCode.cancelled;
  if (/INSUFFICIENT|NO_SPACE|TOO_LARGE|DISK_FULL|WONT_FIT/.test(code)) return ExitCode.resources;
  if (/INVALID|CORRUPT|NOT_GGUF|NOT_A_MODEL|TRUNCATED|FROM_FUTURE|MALFORMED|MISMATCH|UNSUPPORTED_VERSION/.test(code)) return ExitCode.badInput;
  return ExitCode.failure;
}
