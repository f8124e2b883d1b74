/**
 * `npm run bench:api`: the local API's added latency over calling the engine directly, like for like — the same
 * loaded model object, the same prompt, the same sampler (greedy) and the same number of tokens (every pair is
 * checked to give the same text). Rounds alternate which side goes first; medians with their spread.
 * Options: --rounds N (default 200), --tokens N (default 8), --stream.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApi } from '../electron/core/api/create-api.ts';
import { createBackend } from '../electron/core/backend.ts';
import { readToken } from '../electron/core/serve/api-token.ts';
import { testModelPath } from '../test/support/test-model.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '200' }, tokens: { type: 'string', default: '8' }, stream: { type: 'boolean', default: false } },
});
const rounds = Number(values.rounds);
const tokens = Number(values.tokens);
const quantile = (list: number[], q: number) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const ms = (value: number) => `${value.toFixed(3)} ms`;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-bench-api-'));
fs.mkdirSync(path.join(dataDir, 'models'));
fs.copyFileSync(testModelPath(), path.join(dataDir, 'models', 'bench.gguf'));
const backend = await createBackend({ dataDir });
const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
await api.service.models.setRole({ role: 'planner', modelId: 'bench.gguf' });
const server = await api.localApi.serve({ port: 0 });
const token = readToken(dataDir)!;
// The same LanguageModel object the server answers from (the planner), so both sides share context and cache.
const model = await api.engine.chatModel('bench.gguf');
const messages = [{ role: 'user' as const, content: 'Say hello to the benchmark.' }];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({ model: 'bench.gguf', messages, temperature: 0, max_tokens: tokens, stream: values.stream });

async function direct(): Promise<string> {
  let streamed = '';
  const generation = await model.generate({
    messages,
    sampling: { temperature: 0, maxTokens: tokens },
    ...(values.stream
      ? {
          onTextChunk: (text: string) => {
            streamed += text;
          },
        }
      : {}),
  });
  return values.stream ? streamed : generation.text;
}

function viaServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${server.url}/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}: ${text}`));
          if (!values.stream) return resolve((JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content);
          let content = '';
          for (const line of text.split('\n')) {
            if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
            content += (JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '';
          }
          resolve(content);
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function timed(run: () => Promise<string>): Promise<{ ms: number; text: string }> {
  const start = performance.now();
  const text = await run();
  return { ms: performance.now() - start, text };
}

for (let i = 0; i < 10; i++) {
  await direct();
  await viaServer();
}
const directMs: number[] = [];
const serverMs: number[] = [];
const added: number[] = [];
for (let round = 0; round < rounds; round++) {
  const first = round % 2 === 0 ? direct : viaServer;
  const a = await timed(first);
  const b = await timed(first === direct ? viaServer : direct);
  const [d, s] = first === direct ? [a, b] : [b, a];
  if (d.text !== s.text) throw new Error(`Not like for like: the direct call gave ${JSON.stringify(d.text)}, the server ${JSON.stringify(s.text)}.`);
  directMs.push(d.ms);
  serverMs.push(s.ms);
  added.push(s.ms - d.ms);
}
const blocks = 4;
const size = Math.floor(rounds / blocks);
const blockMedians = Array.from({ length: blocks }, (_, index) => quantile(added.slice(index * size, (index + 1) * size), 0.5));
console.log(
  `Local API vs direct engine call: ${rounds} alternating pairs, ${tokens} greedy tokens, ${values.stream ? 'streamed (SSE)' : 'whole response'}, test model, CPU, 1 thread (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`,
);
console.log(`  direct call     p50 ${ms(quantile(directMs, 0.5))}   p25-p75 ${ms(quantile(directMs, 0.25))}-${ms(quantile(directMs, 0.75))}`);
console.log(`  through server  p50 ${ms(quantile(serverMs, 0.5))}   p25-p75 ${ms(quantile(serverMs, 0.25))}-${ms(quantile(serverMs, 0.75))}`);
console.log(
  `  added (paired)  p50 ${ms(quantile(added, 0.5))}   p25-p75 ${ms(quantile(added, 0.25))}-${ms(quantile(added, 0.75))}   p95 ${ms(quantile(added, 0.95))}   (goal: p50 < 2 ms)`,
);
console.log(`  added p50 per quarter of the run: ${blockMedians.map(ms).join(', ')}`);
await server.close();
agent.destroy();
await api.dispose();
await backend.close();
fs.rmSync(dataDir, { recursive: true, force: true });
