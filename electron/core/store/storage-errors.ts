import { InflowError } from '../errors.ts';

/** Why a database was opened in a degraded, read-only way (see openDatabase). */
export type DegradedReason = 'disk-full' | 'read-only';

const diskFullHint =
  'Free some disk space, then run the command again. Nothing already stored was lost, and read-only commands (runs list, memory list, models list) still work.';

/**
 * The InflowError for a storage failure a user can act on, or undefined: SQLite's SQLITE_FULL and SQLITE_IOERR
 * and Node's ENOSPC/EDQUOT are DISK_FULL (exit 5); a write refused because the data folder is read-only (or was
 * opened read-only because the disk is full) is DATA_DIR_READ_ONLY (or DISK_FULL). Everything else: undefined.
 */
export function storageError(error: unknown, degraded?: DegradedReason): InflowError | undefined {
  if (InflowError.isInstance(error) || !(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || (code.startsWith('SQLITE_READONLY') && degraded === 'disk-full')) {
    return new InflowError('DISK_FULL', `The disk holding Inflow's data is full: ${error.message}.`, { hint: diskFullHint, cause: error });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new InflowError('DISK_FULL', `Inflow could not write its data (${code}: ${error.message}); the disk is probably full or failing.`, {
      hint: diskFullHint,
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') {
    return new InflowError('DATA_DIR_READ_ONLY', `This command needs to write to the data folder, which is read-only: ${error.message}.`, {
      hint: 'Make the data folder writable, or choose another one with --data-dir. Read-only commands still work.',
      cause: error,
    });
  }
  return undefined;
}

/** Whether an error means the disk cannot take more data (for callers that carry on without writing). */
export function isStorageFull(error: unknown): boolean {
  return storageError(error)?.code === 'DISK_FULL';
}
