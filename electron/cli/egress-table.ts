import { InflowError } from '../core/errors.ts';
import type { EgressLog } from '../core/net/egress-log.ts';
import { formatBytes } from '../core/models/hardware-fit.ts';
import type { CliContext } from './command.ts';
import { ExitCode } from './exit-codes.ts';

/** `inflow doctor --egress`: the network module's log, newest first. (Used by doctor.ts.) */
export function printEgress(context: CliContext, log: EgressLog, args: string[]): number {
  const at = args.indexOf('--limit');
  const limit = at === -1 ? 50 : Number(args[at + 1]);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new InflowError('USAGE', `--limit needs a whole number from 1 to 10000, not "${args[at + 1] ?? ''}".`);
  const entries = log.list({ limit });
  if (context.json) {
    context.printJson({ egress: entries });
    return ExitCode.ok;
  }
  if (entries.length === 0) {
    context.print('Nothing has left this computer: the egress log is empty.');
    return ExitCode.ok;
  }
  context.print(
    `${'time'.padEnd(24)} ${'feature'.padEnd(16)} ${'host'.padEnd(32)} ${'outcome'.padEnd(8)} ${'sent'.padStart(9)} ${'received'.padStart(9)}`,
  );
  for (const entry of entries) {
    context.print(
      `${new Date(entry.at).toISOString().padEnd(24)} ${entry.feature.padEnd(16)} ${entry.host.padEnd(32)} ${entry.outcome.padEnd(8)} ${formatBytes(entry.bytesOut).padStart(9)} ${formatBytes(entry.bytesIn).padStart(9)}`,
    );
  }
  return ExitCode.ok;
}
