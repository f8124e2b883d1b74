import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { SettingsService } from '../../../electron/core/api/settings-service.ts';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { builtinTools } from '../../../electron/core/tools/builtin-tools.ts';
import type { PythonSandbox } from '../../../electron/core/tools/python/python-sandbox.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { analysis, command, final, plan, verdict } from '../../unit/agent/agent-fixtures.ts';

/**
 * With the web tool on, an agent run that searches the web (a local HTTP server on 127.0.0.1 stands in for the
 * search engine) leaves exactly one host in the egress log — the search engine's — and, with the egress guard
 * loaded into this process, nothing tries to reach any other computer.
 */
const dir = tempDir('inflow-web-egress-');
const recordFile = path.join(dir, 'egress.jsonl');
let backend: Backend;
let web = '';
const seen: string[] = [];
const server = http.createServer((request, response) => {
  seen.push(request.url ?? '');
  response.writeHead(200, { 'content-type': 'text/html' });
  response.end(
    '<a class="result__a" href="https://example.org/canberra">Canberra</a><a class="result__snippet">Canberra is the capital of Australia.</a>',
  );
});

before(async () => {
  process.env.INFLOW_EGRESS_RECORD = recordFile;
  await import('../../support/egress-guard.ts');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  web = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  backend = await createBackend({ dataDir: path.join(dir, 'data') });
});
after(async () => {
  await backend?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('the web tool on: only the search host appears in the egress log, and nothing else is reached', async () => {
  new SettingsService(backend.db).update({ privacy: { networkTools: true } });
  const settings = new SettingsService(backend.db).read();
  const { tools } = builtinTools({
    webAccess: settings.privacy.networkTools,
    wikipediaOnline: settings.privacy.wikipediaOnline,
    network: backend.network,
    sandbox: {} as PythonSandbox,
    only: ['web', 'wikipedia', 'generalist'],
    web: { searchUrl: `http://${web}/html/?q={query}`, wikipediaApiUrl: 'https://en.wikipedia.org/w/api.php' },
  });
  assert.deepEqual(
    tools.map((tool) => tool.name),
    ['Generalist_Solution_Generator_Tool', 'Web_Search_Tool'],
    'Wikipedia online is its own switch (off)',
  );
  const model = new ScriptedLanguageModel({
    turns: [analysis, plan('Web_Search_Tool'), command({ query: 'capital of Australia' }), verdict('STOP'), final('Canberra')],
  });
  const result = await runAgent({
    question: 'What is the capital of Australia?',
    models: { planner: model },
    tools,
    store: backend.runs,
    runKind: 'ask',
    limits: { maxSteps: 2 },
  });
  assert.equal(result.answer, 'Canberra', JSON.stringify({ stop: result.stopReason, error: result.error, steps: result.steps }));
  assert.equal(result.steps[0]?.toolName, 'Web_Search_Tool');
  assert.deepEqual(seen, ['/html/?q=capital%20of%20Australia']);

  const log = backend.egress.list();
  assert.deepEqual(
    log.map((entry) => [entry.feature, entry.host, entry.outcome, entry.status]),
    [['web', web, 'ok', 200]],
  );
  assert.ok(log[0]!.bytesIn > 100, 'the bytes received are counted');
  assert.equal(fs.existsSync(recordFile) ? fs.readFileSync(recordFile, 'utf8') : '', '', 'no connection to another computer was attempted');
});
