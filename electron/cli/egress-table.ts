import type { EgressLog } from '../core/net/egress-log.ts';
import { formatBytes } from '../core/models/hardware-fit.ts';
import type { CliContext } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { wholeNumberFlag } from './flag-values.ts';

/** `inflow doctor --egress`: the network module's log, newest first. (Used by doctor.ts.) */
export function printEgress(context: CliContext, log: EgressLog, limitFlag: string | undefined, hint: string): number {
  const limit = wholeNumberFlag(limitFlag, 'limit', { min: 1, max: 10_000 }, hint) ?? 50;
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
