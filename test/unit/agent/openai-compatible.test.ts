import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { OpenAiCompatibleModel } from '../../../electron/core/llm/openai-compatible.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { additionTool, plan } from './agent-fixtures.ts';
import { testNetwork } from '../../support/network.ts';

// The endpoint is named per command (--endpoint), which grants it; requests go through the network module.
const fetch = testNetwork({ grants: ['endpoint'] }).network.fetcher('endpoint');

const bodies: Array<Record<string, unknown>> = [];
let base = '';
let server: http.Server;
before(async () => {
  server = http.createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += chunk;
    });
    request.on('end', () => {
      const body = JSON.parse(text) as {
        messages: Array<{ content: string }>;
        response_format?: { json_schema: { schema: { properties: Record<string, unknown> } } };
      };
      bodies.push(body);
      if (request.url !== '/v1/chat/completions') {
        response.statusCode = 404;
        response.end('{}');
        return;
      }
      const properties = body.response_format?.json_schema.schema.properties ?? {};
      const content =
        'concise_summary' in properties
          ? { concise_summary: 'add', required_skills: [], relevant_tools: [], additional_considerations: '' }
          : 'input' in properties
            ? { input: { a: 2, b: 3 } }
            : 'conclusion' in properties
              ? { analysis: 'done', conclusion: 'STOP' }
              : { process_summary: 'added', answer: '5' };
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          choices: [{ message: { content: JSON.stringify(content) }, finish_reason: 'stop', logprobs: { content: [{ logprob: -0.1 }] } }],
          usage: { prompt_tokens: 100, completion_tokens: 10 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('an OpenAI-compatible server can run the fixed modules while the planner stays local', async () => {
  const planner = new ScriptedLanguageModel({ turns: [plan()] });
  const fixed = new OpenAiCompatibleModel({ baseUrl: base, model: 'qwen2.5-7b-instruct', fetch });
  const result = await runAgent({ question: 'What is 2 + 3?', models: { planner, fixed }, tools: [additionTool()] });
  assert.equal(result.stopReason, 'answered');
  assert.equal(result.answer, '5');
  assert.deepEqual(result.steps[0]!.result, { sum: 5 });
  assert.equal(bodies.length, 4);
  assert.equal(bodies[0]!.model, 'qwen2.5-7b-instruct');
  assert.equal(bodies[0]!.temperature, 0);
  assert.equal((bodies[0]!.response_format as { type: string }).type, 'json_schema');
  assert.ok(result.usage.promptTokens >= 400, "token counts come from the server's usage");
});

test('an unreachable or failing endpoint is a clear error', async () => {
  assert.throws(() => new OpenAiCompatibleModel({ baseUrl: 'not a url', model: 'm', fetch }), /is not a URL/);
  const missing = new OpenAiCompatibleModel({ baseUrl: `${base}/nested/`, model: 'm', fetch });
  await assert.rejects(missing.generate({ messages: [{ role: 'user', content: 'hi' }] }), /answered 404/);
  const down = new OpenAiCompatibleModel({ baseUrl: 'http://127.0.0.1:9', model: 'm', fetch });
  await assert.rejects(down.generate({ messages: [{ role: 'user', content: 'hi' }] }), /Could not reach http:\/\/127.0.0.1:9/);
});
