import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { createApi, type Api } from '../../../electron/core/api/create-api.ts';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { harvestUserTasks } from '../../../electron/core/datasets/user-tasks.ts';
import type { LocalApiServer } from '../../../electron/core/serve/local-api-server.ts';
import { readToken } from '../../../electron/core/serve/api-token.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testLoraPath, testModelPath } from '../../support/test-model.ts';
import { AdapterRegistry } from '../../../electron/core/adapters/adapter-registry.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';

/**
 * The local API against the real server over the real back end (random-weight test GGUF, threads 1), driven by
 * the official `openai` npm client: models, chat (whole and streamed), JSON schema, the agent as a model,
 * feedback into training data, wrong and missing tokens, malformed bodies, a client that goes away mid-stream.
 */
let backend: Backend;
let api: Api;
let server: LocalApiServer;
let client: OpenAI;
const planner = 'test-planner.gguf';
const generalist = 'Generalist_Solution_Generator_Tool';
const dataDir = tempDir('inflow-api-');

before(async () => {
  fs.mkdirSync(path.join(dataDir, 'models'), { recursive: true });
  fs.copyFileSync(testModelPath(), path.join(dataDir, 'models', planner));
  fs.copyFileSync(testModelPath({ seed: 5 }), path.join(dataDir, 'models', 'other.gguf'));
  backend = await createBackend({ dataDir });
  api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  await api.service.models.setRole({ role: 'planner', modelId: planner });
  await api.service.settings.update({ limits: { maxSteps: 1 } });
  server = await api.localApi.serve({ port: 0, maxBodyBytes: 64 * 1024 });
  client = new OpenAI({ baseURL: server.url, apiKey: readToken(dataDir)!, maxRetries: 0 });
});
after(async () => {
  await server?.close();
  await api?.dispose();
  await backend?.close();
});

const hello = [{ role: 'user' as const, content: 'Say hello.' }];

test('GET /v1/models lists the agent and the installed models; a model answers by id with no planner chosen', async () => {
  await api.service.models.setRole({ role: 'planner', modelId: null });
  const first = await client.chat.completions.create({ model: 'other.gguf', messages: hello, max_tokens: 3 });
  assert.equal(first.model, 'other.gguf');
  await assert.rejects(
    client.chat.completions.create({ model: 'inflow-agent', messages: hello }),
    (error: unknown) => error instanceof OpenAI.ConflictError && /No planner model/.test(error.message),
  );
  await api.service.models.setRole({ role: 'planner', modelId: planner });
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids.sort(), ['inflow-agent', 'other.gguf', planner]);
  assert.equal((await client.models.retrieve('inflow-agent')).id, 'inflow-agent');
});

test('a chat completion, whole and streamed, gives the same greedy text and counts tokens', async () => {
  const whole = await client.chat.completions.create({ model: planner, messages: hello, max_tokens: 12, temperature: 0 });
  const text = whole.choices[0]!.message.content ?? '';
  assert.equal(whole.object, 'chat.completion');
  assert.ok(whole.usage!.prompt_tokens > 5);
  assert.ok(whole.usage!.completion_tokens >= 1 && whole.usage!.completion_tokens <= 12);
  assert.equal(whole.usage!.total_tokens, whole.usage!.prompt_tokens + whole.usage!.completion_tokens);
  assert.ok(['stop', 'length'].includes(whole.choices[0]!.finish_reason));

  const stream = await client.chat.completions.create({
    model: planner,
    messages: hello,
    max_tokens: 12,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let streamed = '';
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null = null;
  for await (const chunk of stream) {
    streamed += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  assert.equal(streamed, text, 'greedy decoding gives the same text streamed and whole');
  assert.equal(finish, whole.choices[0]!.finish_reason);
  assert.deepEqual(usage, whole.usage);
});

test('response_format json_schema constrains the output to the schema', async () => {
  const schema = {
    type: 'object',
    properties: { answer: { enum: ['yes', 'no'] }, sure: { type: 'boolean' } },
    required: ['answer', 'sure'],
    additionalProperties: false,
  };
  for (const stream of [false, true]) {
    let text = '';
    if (stream) {
      for await (const chunk of await client.chat.completions.create({
        model: planner,
        messages: hello,
        max_tokens: 40,
        stream: true,
        seed: 3,
        response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema, strict: true } },
      })) {
        text += chunk.choices[0]?.delta.content ?? '';
      }
    } else {
      const result = await client.chat.completions.create({
        model: planner,
        messages: hello,
        max_tokens: 40,
        seed: 3,
        response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema, strict: true } },
      });
      text = result.choices[0]!.message.content ?? '';
    }
    const parsed = JSON.parse(text) as { answer: string; sure: boolean };
    assert.ok(['yes', 'no'].includes(parsed.answer), text);
    assert.equal(typeof parsed.sure, 'boolean');
    assert.deepEqual(Object.keys(parsed).sort(), ['answer', 'sure']);
  }
  const anyObject = await client.chat.completions.create({
    model: planner,
    messages: hello,
    max_tokens: 60,
    seed: 3,
    response_format: { type: 'json_object' },
  });
  assert.equal(anyObject.choices[0]!.finish_reason, 'stop', 'the grammar ends once the object is complete');
  const value = JSON.parse(anyObject.choices[0]!.message.content ?? '') as unknown;
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), anyObject.choices[0]!.message.content ?? '');
});

test('a stop sequence cuts the text before it', async () => {
  const whole = await client.chat.completions.create({ model: planner, messages: hello, max_tokens: 16, temperature: 0 });
  const text = whole.choices[0]!.message.content ?? '';
  const stop = text.trim().slice(3, 5);
  if (stop.length < 2) return assert.fail(`the greedy text is too short to pick a stop sequence from: ${JSON.stringify(text)}`);
  const cut = await client.chat.completions.create({ model: planner, messages: hello, max_tokens: 16, temperature: 0, stop });
  assert.equal(cut.choices[0]!.message.content, text.slice(0, text.indexOf(stop)));
  assert.equal(cut.choices[0]!.finish_reason, 'stop');
});

test('the agent as a model takes a demonstration: the named tool is used and recorded; a tool the run lacks is refused by name', async () => {
  const ask = (demonstrate: string[]) =>
    client.chat.completions.create({
      model: 'inflow-agent',
      messages: [{ role: 'user' as const, content: 'What is 4 + 4?' }],
      inflow: { tools: [generalist], max_steps: 1, demonstrate },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming) as unknown as Promise<OpenAI.ChatCompletion & { inflow: { run_id: string } }>;
  const shown = await ask([generalist]);
  const runId = shown.inflow.run_id;
  assert.deepEqual((backend.runs.getRun(runId)!.config as { pinnedTools?: string[] }).pinnedTools, [generalist]);
  assert.equal(backend.runs.getSteps(runId)[0]?.toolName, generalist);
  await assert.rejects(ask(['Python_Code_Generator_Tool']), (error: unknown) => {
    return error instanceof OpenAI.APIError && /"Python_Code_Generator_Tool" is not one of this run's tools/.test(error.message);
  });
});

test('the agent as a model answers with a recorded run whose steps come along, and its rating feeds training', async () => {
  const body = {
    model: 'inflow-agent',
    messages: [{ role: 'user' as const, content: 'What is 2 + 3?' }],
    inflow: { tools: [generalist], max_steps: 1 },
  };
  const whole = (await client.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsNonStreaming)) as OpenAI.ChatCompletion & {
    inflow: { run_id: string; stop_reason: string; steps: Array<{ type: string }> };
  };
  const runId = whole.inflow.run_id;
  assert.equal(whole.id, `chatcmpl-${runId}`);
  assert.equal(typeof whole.choices[0]!.message.content, 'string');
  const run = backend.runs.getRun(runId)!;
  assert.equal(run.status, 'ended');
  assert.equal(run.answer ?? '', whole.choices[0]!.message.content);
  assert.equal((run.config as { source?: string }).source, 'api');
  const types = whole.inflow.steps.map((step) => step.type);
  assert.equal(types[0], 'run-start');
  assert.ok(types.includes('plan') && types.includes('tool-call') && types.includes('run-end'), types.join(','));
  assert.ok(whole.usage!.total_tokens > 0);

  const stream = await client.chat.completions.create({ ...body, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
  let content = '';
  const events: string[] = [];
  let streamedRun = '';
  for await (const chunk of stream) {
    const extension = (chunk as unknown as { inflow?: { run_id: string; event?: { type: string } } }).inflow;
    streamedRun = extension?.run_id ?? streamedRun;
    if (extension?.event) events.push(extension.event.type);
    content += chunk.choices[0]?.delta.content ?? '';
  }
  assert.ok(events.includes('plan') && events.includes('tool-result'), events.join(','));
  // The deltas are the generator's text as it came; the recorded answer is that text trimmed.
  assert.equal(backend.runs.getRun(streamedRun)!.answer ?? '', content.trim());

  const rated = (await client.post(`/runs/${runId}/feedback`, { body: { rating: 'up' } })) as { rating: string; reward: number };
  assert.deepEqual(rated, { run_id: runId, rating: 'up', reward: 1, corrected: false });
  assert.equal((backend.db.prepare('SELECT rating FROM feedback WHERE run_id = ?').get(runId) as { rating: number }).rating, 1);
  const corrected = (await client.post(`/runs/${streamedRun}/feedback`, { body: { corrected_answer: '5' } })) as { rating: string };
  assert.equal(corrected.rating, 'down');
  const items = harvestUserTasks(backend.history).items;
  assert.ok(
    items.some((item) => item.answer === '5' && item.answerKind === 'judge'),
    'the corrected answer became a training item',
  );
  await assert.rejects(client.post('/runs/run_nope/feedback', { body: { rating: 'up' } }), (error: unknown) => error instanceof OpenAI.NotFoundError);
  await assert.rejects(
    client.post(`/runs/${runId}/feedback`, { body: { rating: 'sideways' } }),
    (error: unknown) => error instanceof OpenAI.BadRequestError,
  );
});

test('no token or a wrong token: no answer', async () => {
  const wrong = new OpenAI({ baseURL: server.url, apiKey: 'inflow-wrong', maxRetries: 0 });
  await assert.rejects(
    wrong.chat.completions.create({ model: planner, messages: hello }),
    (error: unknown) => error instanceof OpenAI.AuthenticationError,
  );
  await assert.rejects(wrong.models.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError);
  const none = await fetch(`${server.url}/models`);
  assert.equal(none.status, 401);
  assert.match(((await none.json()) as { error: { message: string } }).error.message, /Authorization: Bearer/);
});

test('malformed requests get a clear 4xx and the server keeps answering', async () => {
  const token = readToken(backend.paths.dataDir)!;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    });
  const cases: Array<[string, number, RegExp]> = [
    ['{"model": "x", "messages": [', 400, /not valid JSON/],
    ['', 400, /no body/],
    ['[1, 2]', 400, /JSON object/],
    [JSON.stringify({ model: planner }), 400, /messages/],
    [JSON.stringify({ model: planner, messages: [{ role: 'user', content: 'hi' }], temperature: 7 }), 400, /temperature/],
    [JSON.stringify({ model: planner, messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function' }] }), 400, /"tools" is not supported/],
    [JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }), 404, /no model "no-such-model"/],
    [JSON.stringify({ model: planner, messages: [{ role: 'user', content: 'x'.repeat(70_000) }] }), 413, /limit/],
  ];
  for (const [body, status, message] of cases) {
    const response = await post(body);
    assert.equal(response.status, status, body.slice(0, 80));
    assert.match(((await response.json()) as { error: { message: string } }).error.message, message);
  }
  const fromPage = await post(JSON.stringify({ model: planner, messages: hello }), { origin: 'https://evil.example' });
  assert.equal(fromPage.status, 403, 'CORS is closed: a web page cannot call the API');
  const rebound = await new Promise<number>((resolve, reject) => {
    http
      .get(`${server.url}/models`, { headers: { host: 'evil.example', authorization: `Bearer ${token}` } }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      })
      .on('error', reject);
  });
  assert.equal(rebound, 403, 'a foreign Host header (DNS rebinding) is refused');
  const garbage = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString();
    });
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
  assert.match(garbage, /^HTTP\/1\.1 400/, 'a request that is not HTTP gets 400');
  const ok = await client.chat.completions.create({ model: planner, messages: hello, max_tokens: 4 });
  assert.equal(ok.object, 'chat.completion');
});

test('a client that disconnects mid-stream ends its work; the server goes on', async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    {
      model: 'inflow-agent',
      messages: [{ role: 'user', content: 'Tell me a long story.' }],
      stream: true,
      inflow: { tools: [generalist], max_steps: 3 },
    } as OpenAI.ChatCompletionCreateParamsStreaming,
    { signal: controller.signal },
  );
  let runId = '';
  // The client reads the first chunk (the run has started) and goes away.
  await (async () => {
    for await (const chunk of stream) {
      runId = (chunk as unknown as { inflow: { run_id: string } }).inflow.run_id;
      controller.abort();
      break;
    }
  })().catch(() => undefined);
  assert.match(runId, /^run_/);
  for (let tries = 0; backend.runs.getRun(runId)!.status === 'running' && tries < 300; tries++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(backend.runs.getRun(runId)!.stopReason, 'cancelled', 'the run stopped when its client went away');

  const chat = new AbortController();
  const words = await client.chat.completions.create({ model: planner, messages: hello, max_tokens: 2000, stream: true }, { signal: chat.signal });
  await (async () => {
    for await (const chunk of words)
      if ((chunk.choices[0]?.delta.content ?? '') !== '') {
        chat.abort();
        break;
      }
  })().catch(() => undefined);
  const after = await client.chat.completions.create({ model: planner, messages: hello, max_tokens: 4 });
  assert.equal(after.object, 'chat.completion');
});

test('the planner answers with its active adapter; another installed model answers by its id', async () => {
  const engine = await getEngine({ gpu: false });
  const direct = async (file: string, adapter?: string) => {
    const model = await engine.loadModel({ path: file, threads: 1, contextSize: 1024 });
    try {
      if (adapter !== undefined) await model.setAdapter(adapter);
      return (await model.generate({ messages: hello, sampling: { temperature: 0, maxTokens: 10 } })).text;
    } finally {
      await model.dispose();
    }
  };
  const viaApi = async (model: string) =>
    (await client.chat.completions.create({ model, messages: hello, max_tokens: 10, temperature: 0 })).choices[0]!.message.content;
  const base = await viaApi(planner);
  const lora = testLoraPath({}, { scale: 0.5 });
  const registry = new AdapterRegistry(backend.db);
  const plannerFile = path.join(dataDir, 'models', planner);
  registry.promote(registry.register({ path: lora, baseModel: plannerFile }).id);
  const adapted = await viaApi(planner);
  assert.equal(adapted, await direct(plannerFile, lora), 'the planner answers with the promoted adapter');
  assert.notEqual(adapted, base, 'the adapter changes the greedy answer');
  registry.useBase(plannerFile);
  assert.equal(await viaApi(planner), base, 'back on the base model');

  const other = await client.chat.completions.create({ model: 'other.gguf', messages: hello, max_tokens: 10, temperature: 0 });
  assert.equal(other.model, 'other.gguf');
  assert.equal(other.choices[0]!.message.content, await direct(path.join(dataDir, 'models', 'other.gguf')));
});

test('an origin allowed with --cors-origin gets CORS headers and preflights; others stay refused', async () => {
  const open = await api.localApi.serve({ port: 0, corsOrigins: ['http://localhost:3000'] });
  try {
    const token = readToken(dataDir)!;
    const preflight = await fetch(`${open.url}/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    const listed = await fetch(`${open.url}/models`, { headers: { origin: 'http://localhost:3000', authorization: `Bearer ${token}` } });
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.equal((await fetch(`${open.url}/models`, { headers: { origin: 'http://localhost:3001', authorization: `Bearer ${token}` } })).status, 403);
  } finally {
    await open.close();
  }
});
