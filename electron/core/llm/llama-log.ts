/**
 * llama.cpp's error-level log lines, kept (not printed) so load and context errors can quote llama.cpp's
 * reason instead of node-llama-cpp's generic "Failed to ...".
 */
const recent: string[] = [];

export function recordLlamaLog(message: string): void {
  recent.push(message.trim());
  if (recent.length > 20) recent.shift();
}

export function clearLlamaLog(): void {
  recent.length = 0;
}

/** " (reason; reason)" from the lines logged since the last clear, or '' when there are none. */
export function takeLlamaErrors(): string {
  const tail = recent
    .splice(0)
    .filter((line) => line !== '' && !/failed to load model$/.test(line))
    .slice(-2)
    .join('; ');
  return tail === '' ? '' : ` (${tail})`;
}
