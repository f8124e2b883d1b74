/**
 * A tool call waiting for the user, as `runAgent`'s `approveToolCall` hook receives it (its ToolApprovalRequest
 * is assignable to this).
 */
export interface ToolCallApprovalRequest {
  toolName: string;
  input: Record<string, unknown>;
  runId?: string;
  /** The tool's card; its `source` (`builtin`, `mcp:<server>`) is shown. */
  tool?: { source: string };
}

/** Resolves true to run the call, false to deny it. */
export type ApproveToolCall = (request: ToolCallApprovalRequest) => Promise<boolean>;

export interface TerminalApproverOptions {
  /** Allow every call without asking (`--yes`). */
  assumeYes?: boolean;
  /** Where answers are read; default stdin, and only when it is a terminal. */
  input?: NodeJS.ReadableStream;
  /** Where the question is written; default stderr (stdout stays for results and --json). */
  output?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

interface LineReader {
  /** The next line, or null at the end of input or on abort. */
  next(signal?: AbortSignal): Promise<string | null>;
}

const readers = new WeakMap<NodeJS.ReadableStream, LineReader>();

/** Lines of a stream read one at a time; the stream is paused between questions so the process can exit. */
function reader(input: NodeJS.ReadableStream): LineReader {
  const existing = readers.get(input);
  if (existing !== undefined) return existing;
  let buffered = '';
  let ended = false;
  input.once('end', () => {
    ended = true;
  });
  const created: LineReader = {
    next(signal) {
      return new Promise((resolve) => {
        const finish = (line: string | null) => {
          input.off('data', onData);
          input.off('end', onEnd);
          signal?.removeEventListener('abort', onAbort);
          input.pause();
          resolve(line);
        };
        const take = (): boolean => {
          const end = buffered.indexOf('\n');
          if (end === -1) return false;
          const line = buffered.slice(0, end).replace(/\r$/, '');
          buffered = buffered.slice(end + 1);
          finish(line);
          return true;
        };
        const onData = (chunk: Buffer | string) => {
          buffered += chunk.toString();
          take();
        };
        const onEnd = () => finish(buffered === '' ? null : buffered);
        const onAbort = () => finish(null);
        if (take()) return;
        if (ended) return resolve(buffered === '' ? null : buffered);
        signal?.addEventListener('abort', onAbort, { once: true });
        input.on('data', onData);
        input.once('end', onEnd);
        input.resume();
      });
    },
  };
  readers.set(input, created);
  return created;
}

function describeCall(request: ToolCallApprovalRequest): string {
  const input = JSON.stringify(request.input, null, 2);
  const shown = input.length > 2000 ? `${input.slice(0, 2000)}\n  ... (${input.length - 2000} more characters)` : input;
  return `The agent wants to call ${request.toolName}${request.tool ? ` (${request.tool.source})` : ''} with:\n${shown.replace(/^/gm, '  ')}\n`;
}

/**
 * Approval for the CLI (pass it as `runAgent({approveToolCall})`): shows the call and asks "Allow? [y/N]" on the terminal; only "y" or "yes" allows it.
 * With `assumeYes` every call is allowed (and still shown). Without a terminal to ask on, calls are denied
 * with a note saying to pass --yes, so an unattended run never hangs on a question nobody sees. Calls are
 * asked one at a time.
 */
export function createTerminalApprover(options: TerminalApproverOptions = {}): ApproveToolCall {
  const output = options.output ?? process.stderr;
  const input = options.input ?? (process.stdin.isTTY ? process.stdin : undefined);
  let queue: Promise<unknown> = Promise.resolve();
  const ask = async (request: ToolCallApprovalRequest): Promise<boolean> => {
    output.write(describeCall(request));
    if (options.assumeYes === true) {
      output.write('Allowed (--yes).\n');
      return true;
    }
    if (input === undefined) {
      output.write('Denied: this tool asks first and there is no terminal to ask on; pass --yes to allow such calls.\n');
      return false;
    }
    output.write('Allow? [y/N] ');
    const answer = await reader(input).next(options.signal);
    const allowed = answer !== null && /^\s*y(es)?\s*$/i.test(answer);
    output.write(allowed ? 'Allowed.\n' : 'Denied.\n');
    return allowed;
  };
  return (request) => {
    const result = queue.then(() => ask(request));
    queue = result.catch(() => undefined);
    return result;
  };
}
