/** Human-readable bytes: 1.2 GB, 640 MB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", or a date for anything older than a week. */
export function formatWhen(at: number | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined) return '—';
  const seconds = Math.round((at - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return relative.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return relative.format(hours, 'hour');
  const days = Math.round(hours / 24);
  if (Math.abs(days) < 7) return relative.format(days, 'day');
  return new Date(at).toLocaleDateString();
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const stopReasonLabels: Record<string, string> = {
  answered: 'Answered',
  step_limit: 'Step limit',
  time_limit: 'Time limit',
  token_limit: 'Token limit',
  cancelled: 'Cancelled',
  error: 'Error',
  interrupted: 'Interrupted',
};

export function stopReasonLabel(reason: string | null | undefined): string {
  return reason === null || reason === undefined ? 'Running' : (stopReasonLabels[reason] ?? reason);
}

/** Pretty JSON for tool calls and results; strings stay as they are. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** A model file path shown by its name: "/data/models/qwen.gguf" → "qwen". */
export function modelFileName(file: string): string {
  return (
    file
      .split(/[\\/]/)
      .at(-1)
      ?.replace(/\.gguf$/i, '') ?? file
  );
}
