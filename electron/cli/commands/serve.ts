import { parseArgs } from 'node:util';
import { createApi } from '../../core/api/create-api.ts';
import { InflowError } from '../../core/errors.ts';
import { ensureToken, tokenFile } from '../../core/serve/api-token.ts';
import type { CliCommand } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { defaults } from '../../core/contract/defaults.ts';
import { wholeNumberFlag } from '../flag-values.ts';

const usage = `Usage: inflow serve [--port N] [--cors-origin ORIGIN]... [--print-token] [--cpu] [--threads N] [--context-size N]
  An OpenAI-compatible API on 127.0.0.1 (docs/api.md): GET /v1/models, POST /v1/chat/completions (a model, or
  the agent as model "inflow-agent"), POST /v1/runs/{id}/feedback. Every request needs the bearer token.
  --port N             port (default: Settings → Local API, 8642)
  --cors-origin ORIGIN allow web pages from ORIGIN (e.g. http://localhost:3000) to call it; none by default
  --print-token        print the token (created on first use) and exit
  --cpu                no GPU; --threads N CPU threads; --context-size N context of loaded models (default: the agent's
                       ${defaults.agentContextSize}, ${defaults.agentflowContextSize} in the agentflow profile; another model for plain chat ${defaults.modelContextSize})`;

/** `inflow serve`: the local API until Ctrl-C. */
export const command: CliCommand = {
  name: 'serve',
  summary: 'serve an OpenAI-compatible API (models and the agent) on 127.0.0.1',
  usage,
  async run(context, args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        'cors-origin': { type: 'string', multiple: true },
        'print-token': { type: 'boolean' },
        cpu: { type: 'boolean' },
        threads: { type: 'string' },
        'context-size': { type: 'string' },
      },
    });
    const backend = await context.backend();
    if (values['print-token'] === true) {
      const token = ensureToken(backend.paths.dataDir);
      if (context.json) context.printJson({ token, file: tokenFile(backend.paths.dataDir) });
      else context.stdout.write(`${token}\n`);
      return ExitCode.ok;
    }
    const port = wholeNumberFlag(values.port, 'port', { min: 1024, max: 65535 }, usage) ?? backend.settings.read().localApi.port;
    const threads = wholeNumberFlag(values.threads, 'threads', { min: 1, max: 1024 }, usage);
    const contextSize = wholeNumberFlag(values['context-size'], 'context-size', { min: 256, max: 1_048_576 }, usage);
    for (const origin of values['cors-origin'] ?? []) {
      if (!/^https?:\/\/[^/]+$/.test(origin))
        throw new InflowError('USAGE', `--cors-origin "${origin}" is not an origin.`, {
          hint: 'Give scheme, host and port only, e.g. http://localhost:3000.',
        });
    }
    const api = createApi({
      backend,
      gpu: values.cpu === true ? false : 'auto',
      startLocalApi: false,
      ...(threads === undefined ? {} : { threads }),
      ...(contextSize === undefined ? {} : { contextSize }),
    });
    try {
      const server = await api.localApi.serve({ port, corsOrigins: values['cors-origin'] ?? [] });
      if (context.json) context.printJson({ url: server.url, port: server.port, tokenFile: tokenFile(backend.paths.dataDir) });
      else {
        context.print(`Inflow's local API is listening on ${server.url}`);
        context.print('Token: inflow serve --print-token (send it as "Authorization: Bearer <token>"). Ctrl-C stops.');
      }
      await new Promise<void>((resolve) => {
        if (context.signal.aborted) resolve();
        context.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
      return ExitCode.ok;
    } finally {
      await api.dispose();
    }
  },
};
