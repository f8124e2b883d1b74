import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { AskService } from '../api/ask-service.ts';
import type { EngineService } from '../api/engine-service.ts';
import { recordFeedback, type FeedbackStores } from '../api/feedback.ts';
import type { ModelsService } from '../api/models-service.ts';
import type { SettingsService } from '../api/settings-service.ts';
import { InflowError, serializeError } from '../errors.ts';
import { tokenMatches } from './api-token.ts';
import { agentCompletion } from './agent-completions.ts';
import { chatCompletion } from './chat-completions.ts';
import { agentModelId, parseChatRequest } from './chat-request.ts';
import { HttpError, readJson, sendJson } from './http-io.ts';

/** What the server answers from: the same services the app uses. */
export interface LocalApiDeps {
  /** The back end's runs and rewards, for feedback. */
  stores: FeedbackStores;
  settings: SettingsService;
  models: ModelsService;
  engine: EngineService;
  ask: AskService;
}

export interface LocalApiOptions {
  deps: LocalApiDeps;
  token: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Origins allowed to call from a web page (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** Largest request body in bytes (default 2 MiB). */
  maxBodyBytes?: number;
}

export interface LocalApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const localApiDefaults = { host: '127.0.0.1', maxBodyBytes: 2 * 1024 * 1024 } as const;

const feedbackSchema = z
  .object({
    rating: z.union([z.literal('up'), z.literal('down'), z.literal(1), z.literal(-1)]).optional(),
    corrected_answer: z.string().trim().min(1).max(20_000).optional(),
    comment: z.string().max(2000).optional(),
  })
  .strict()
  .refine((value) => value.rating !== undefined || value.corrected_answer !== undefined, {
    message: 'give a rating ("up" or "down") or a corrected_answer',
  });

/** How Inflow's error codes map to HTTP statuses (anything else is a 500). */
const statusOf: Record<string, number> = {
  RUN_NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  NO_PLANNER_MODEL: 409,
  RUN_STILL_RUNNING: 409,
  CORRECTION_NOT_ALLOWED: 409,
  INVALID_SAMPLING: 400,
  INVALID_JSON_SCHEMA: 400,
  CONTEXT_OVERFLOW: 400,
  INVALID_REQUEST: 400,
  UNKNOWN_TOOL: 400,
  MODEL_OUTPUT_INVALID: 502,
};

/**
 * The OpenAI-compatible local API (node:http, 127.0.0.1 only): GET /v1/models, POST /v1/chat/completions (a
 * model, or the agent as `inflow-agent`), POST /v1/runs/{id}/feedback. Every request needs the bearer token;
 * the Host must be this machine (no DNS rebinding); requests from web pages are refused unless their origin
 * was allowed; bodies are size-limited; a failing request gets an error response and nothing else is affected.
 */
export async function startLocalApiServer(options: LocalApiOptions): Promise<LocalApiServer> {
  const maxBody = options.maxBodyBytes ?? localApiDefaults.maxBodyBytes;
  const origins = new Set(options.corsOrigins ?? []);
  let port = options.port;
  const open = new Set<ServerResponse>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const origin = request.headers.origin;
    const host = (request.headers.host ?? '').toLowerCase();
    if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host)) {
      throw new HttpError(403, 'forbidden_host', `Host "${host}" is not this server; use http://127.0.0.1:${port}.`);
    }
    if (origin !== undefined) {
      if (!origins.has(origin))
        throw new HttpError(403, 'cors_forbidden', `Requests from web pages (${origin}) are not allowed.`, {
          extra: { hint: 'Allow the origin with inflow serve --cors-origin ORIGIN.' },
        });
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'Origin');
      if (request.method === 'OPTIONS') {
        response.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
        });
        response.end();
        return;
      }
    }
    const auth = request.headers.authorization ?? '';
    const presented = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (presented === undefined || !tokenMatches(presented, options.token)) {
      throw new HttpError(
        401,
        'invalid_api_key',
        presented === undefined ? 'No API key: send "Authorization: Bearer <token>".' : 'The API key is wrong.',
        {
          extra: { hint: 'The token is shown in Settings → Local API and by `inflow serve --print-token`.' },
        },
      );
    }
    const url = new URL(request.url ?? '/', `http://${host}`);
    const route = `${request.method} ${url.pathname.replace(/\/+$/, '')}`;
    if (route === 'GET /v1/models') return sendJson(response, 200, { object: 'list', data: await modelList(options.deps) });
    const modelMatch = /^GET \/v1\/models\/(.+)$/.exec(route);
    if (modelMatch) {
      const wanted = decodeURIComponent(modelMatch[1]!);
      const found = (await modelList(options.deps)).find((model) => model.id === wanted);
      if (found === undefined) throw new HttpError(404, 'model_not_found', `There is no model "${wanted}".`, { param: 'model' });
      return sendJson(response, 200, found);
    }
    if (route === 'POST /v1/chat/completions') {
      const chat = parseChatRequest(await readJson(request, maxBody));
      if (chat.model === agentModelId) return agentCompletion(request, response, options.deps.ask, chat);
      const model = await chatModel(options.deps, chat.model);
      return chatCompletion(request, response, model.model, chat, model.name);
    }
    const feedbackMatch = /^POST \/v1\/runs\/([\w.:-]{1,200})\/feedback$/.exec(route);
    if (feedbackMatch) {
      const parsed = feedbackSchema.safeParse(await readJson(request, maxBody));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new HttpError(400, 'invalid_request', `${issue.path.join('.') || 'body'}: ${issue.message}.`);
      }
      const { rating, corrected_answer: correctedAnswer, comment } = parsed.data;
      const result = recordFeedback(options.deps.stores, {
        runId: feedbackMatch[1]!,
        rating: rating === 'up' || rating === 1 ? 1 : -1,
        ...(comment === undefined ? {} : { comment }),
        ...(correctedAnswer === undefined ? {} : { correctedAnswer }),
      });
      return sendJson(response, 200, {
        run_id: result.runId,
        rating: result.rating === 1 ? 'up' : 'down',
        reward: result.reward,
        corrected: correctedAnswer !== undefined,
      });
    }
    throw new HttpError(404, 'not_found', `There is no ${route}.`, {
      extra: { hint: 'Inflow serves GET /v1/models, POST /v1/chat/completions and POST /v1/runs/{id}/feedback.' },
    });
  };

  const server = http.createServer((request, response) => {
    open.add(response);
    response.on('close', () => open.delete(response));
    response.on('error', () => undefined);
    handle(request, response).catch((error: unknown) => {
      const failure = toHttpError(error);
      if (response.headersSent) {
        // Mid-stream: say what went wrong in the stream, then end it.
        if (!response.writableEnded && !response.destroyed) response.end(`data: ${JSON.stringify(failure.body())}\n\n`);
        return;
      }
      // Drain what is left of an oversized body so the client reads the answer, then close the connection.
      sendJson(response, failure.status, failure.body(), failure.status === 413 || failure.status === 400 ? { connection: 'close' } : {});
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, localApiDefaults.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new InflowError('PORT_IN_USE', `Port ${options.port} on 127.0.0.1 is already in use.`, {
        hint: 'Choose another port (Settings → Local API, or inflow serve --port N), or stop the other program.',
      });
    throw error;
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    async close() {
      for (const response of open) response.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const serialized = serializeError(error);
  const status = statusOf[serialized.code] ?? 500;
  return new HttpError(status, serialized.code.toLowerCase(), serialized.message, {
    extra: serialized.hint === undefined ? {} : { hint: serialized.hint },
  });
}

async function modelList(deps: LocalApiDeps): Promise<Array<{ id: string; object: 'model'; created: number; owned_by: string }>> {
  const installed = await deps.models.installed();
  const planner = deps.settings.read().models.planner;
  const entry = (id: string, owner: string, created: number) => ({ id, object: 'model' as const, created, owned_by: owner });
  const now = Math.floor(Date.now() / 1000);
  return [entry(agentModelId, 'inflow', now), ...installed.map((model) => entry(model.id, model.id === planner ? 'inflow (planner)' : 'local', now))];
}

async function chatModel(deps: LocalApiDeps, id: string) {
  const installed = deps.settings.read().models.planner === id || (await deps.models.installed()).some((model) => model.id === id);
  if (!installed)
    throw new HttpError(404, 'model_not_found', `There is no model "${id}".`, {
      param: 'model',
      extra: { hint: 'GET /v1/models lists the installed models and inflow-agent.' },
    });
  return { model: await deps.engine.chatModel(id), name: id };
}
