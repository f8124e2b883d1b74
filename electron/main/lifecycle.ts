/**
 * The shell's start and stop rules as plain functions (tested under Node): which renderer URL to load, and a
 * shutdown that cannot hang.
 */

/** How long quitting waits for runs to record their end and the database to close before the app exits anyway. */
export const shutdownLimitMs = 10_000;

/**
 * The Vite dev server to load instead of the bundled renderer: only in an unpackaged (development) app. A packaged
 * app ignores VITE_DEV_SERVER_URL, so an environment variable can never point an installed app at another page.
 */
export function devServerUrl(env: NodeJS.ProcessEnv, isPackaged: boolean): string | undefined {
  const url = env.VITE_DEV_SERVER_URL;
  return isPackaged || url === undefined || url === '' ? undefined : url;
}

/**
 * Runs the shutdown work, but for at most `limitMs`: resolves 'done', 'failed' (the work threw) or 'timed-out'. The
 * caller exits the app afterwards in every case; runs that did not record their end are marked interrupted at the
 * next start, so nothing stored is lost.
 */
export async function boundedShutdown(work: () => Promise<void>, limitMs: number = shutdownLimitMs): Promise<'done' | 'failed' | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), limitMs);
  });
  try {
    return await Promise.race([
      work().then(
        () => 'done' as const,
        () => 'failed' as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
