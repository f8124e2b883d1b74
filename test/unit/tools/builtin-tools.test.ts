import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { KnowledgeIndex } from '../../../electron/core/knowledge/knowledge-index.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { builtinTools, resolveToolNames } from '../../../electron/core/tools/builtin-tools.ts';
import { createGeneralistTool } from '../../../electron/core/tools/builtin/generalist-tool.ts';
import { createWebPageTool, createWebSearchTool } from '../../../electron/core/tools/builtin/web-tools.ts';
import { createWikipediaTool } from '../../../electron/core/tools/builtin/wikipedia-tool.ts';
import { runTool } from '../../../electron/core/tools/run-tool.ts';
import type { PythonSandbox } from '../../../electron/core/tools/python/python-sandbox.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testNetwork } from '../../support/network.ts';

// The tools reach the stand-in web server (127.0.0.1) through the network module, as in the product.
const { network } = testNetwork({ privacy: { networkTools: true, wikipediaOnline: true } });
const fetch = network.fetcher('web');

let server: http.Server;
let base = '';
const requests: string[] = [];
before(async () => {
  server = http.createServer((request, response) => {
    requests.push(request.url ?? '');
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/search') {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<div><a class="result__a" href="/l/?uddg=${encodeURIComponent('https://example.org/canberra')}">Canberra &amp; ACT</a><a class="result__snippet" href="#">Canberra is the <b>capital</b> of Australia.</a></div>`,
      );
    } else if (url.pathname === '/page') {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<html><title>Canberra</title><body><p>${'Filler words about nothing. '.repeat(80)}</p><p>Canberra has a population of 467,000 people.</p></body></html>`,
      );
    } else if (url.pathname === '/w/api.php' && url.searchParams.get('list') === 'search') {
      response.end(
        JSON.stringify({
          query: {
            search: [
              { title: 'Ada Lovelace', snippet: 'English <span>mathematician</span>' },
              { title: 'Lovelace (film)', snippet: 'A film' },
            ],
          },
        }),
      );
    } else if (url.pathname === '/w/api.php') {
      response.end(
        JSON.stringify({ query: { pages: [{ extract: `${url.searchParams.get('titles')} wrote the first algorithm for the Analytical Engine.` }] } }),
      );
    } else {
      response.statusCode = 404;
      response.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const signal = new AbortController().signal;

test('web tools are absent by default, with the reason the planner is told', () => {
  const { tools, absent } = builtinTools({});
  assert.deepEqual(
    tools.map((t) => t.name),
    ['Generalist_Solution_Generator_Tool'],
  );
  const reasons = Object.fromEntries(absent.map((a) => [a.name, a.reason]));
  assert.match(reasons.Web_Search_Tool!, /web access is off \(privacy setting\)/);
  assert.match(reasons.Web_RAG_Search_Tool!, /web access is off/);
  assert.match(reasons.Wikipedia_RAG_Search_Tool!, /no offline Wikipedia dump/);
  assert.match(reasons.Python_Code_Generator_Tool!, /sandbox is not available/);
  assert.match(reasons.Knowledge_Search_Tool!, /no folder is indexed/);
});

test('with web access on, the web and Wikipedia tools are offered; --tools selects by alias', () => {
  const knowledge = new KnowledgeIndex(openDatabase(path.join(tempDir(), 'inflow.db')));
  const all = builtinTools({ webAccess: true, network, knowledge, sandbox: {} as PythonSandbox });
  assert.deepEqual(
    all.tools.map((t) => t.name),
    [
      'Generalist_Solution_Generator_Tool',
      'Python_Code_Generator_Tool',
      'Web_Search_Tool',
      'Web_RAG_Search_Tool',
      'Ground_Google_Search_Tool',
      'Wikipedia_RAG_Search_Tool',
    ],
  );
  const some = builtinTools({ webAccess: true, network, only: ['python', 'wikipedia_rag_search_tool'], sandbox: {} as PythonSandbox });
  assert.deepEqual(
    some.tools.map((t) => t.name),
    ['Python_Code_Generator_Tool', 'Wikipedia_RAG_Search_Tool'],
  );
  assert.equal(some.absent.find((a) => a.name === 'Web_Search_Tool')!.reason, 'not selected for this run');
  assert.throws(() => resolveToolNames(['calculator']), /There is no tool "calculator"/);
});

test('web search parses results and resolves redirect links', async () => {
  const tool = createWebSearchTool({ searchUrl: `${base}/search?q={query}`, fetch });
  const result = (await tool.execute({ query: 'capital of australia' }, { signal })) as {
    results: Array<{ title: string; url: string; snippet: string }>;
  };
  assert.deepEqual(result.results, [
    { title: 'Canberra & ACT', url: 'https://example.org/canberra', snippet: 'Canberra is the capital of Australia.' },
  ]);
  assert.ok(requests.includes('/search?q=capital%20of%20australia'));
});

test('page reading returns the passages relevant to the query, summarised by the model', async () => {
  const model = new ScriptedLanguageModel({ turns: ['About 467,000 people.'] });
  const tool = createWebPageTool({ fetch });
  const result = (await tool.execute({ query: 'population', url: `${base}/page` }, { signal, model })) as {
    title: string;
    relevant_passages: string[];
    summary: string;
  };
  assert.equal(result.title, 'Canberra');
  assert.equal(result.relevant_passages.length, 1);
  assert.match(result.relevant_passages[0]!, /467,000/);
  assert.equal(result.summary, 'About 467,000 people.');
  assert.match(model.requests[0]!.messages[0]!.content, /using only these passages/);
});

test('a failing page read is an error value, not a crash', async () => {
  const outcome = await runTool(createWebPageTool({ fetch }), { query: 'x', url: `${base}/missing` }, { signal });
  assert.equal(outcome.ok, false);
  assert.match(!outcome.ok ? outcome.error.message : '', /answered 404/);
  const bad = await runTool(createWebPageTool({ fetch }), { query: 'x', url: 'file:///etc/passwd' }, { signal });
  assert.match(!bad.ok ? bad.error.message : '', /Only http and https/);
});

test("Wikipedia online: relevant pages get passages retrieved for the query (the reference's intended behaviour)", async () => {
  const tool = createWikipediaTool({ online: true, apiUrl: `${base}/w/api.php`, fetch: network.fetcher('wikipedia') });
  const result = (await tool.execute({ query: 'Analytical Engine algorithm' }, { signal })) as Record<
    string,
    Array<{ title: string; retrieved_information: string[] }>
  >;
  const relevant = result['relevant_pages (to the query)']!;
  assert.equal(relevant[0]!.title, 'Ada Lovelace');
  assert.match(relevant[0]!.retrieved_information[0]!, /first algorithm/);
});

test('the generalist answers with the model it is given, greedily', async () => {
  const model = new ScriptedLanguageModel({ turns: ['Paris.'] });
  const tool = createGeneralistTool();
  assert.equal(await tool.execute({ query: 'Capital of France?' }, { signal, model }), 'Paris.');
  assert.equal(model.requests[0]!.sampling!.temperature, 0);
  assert.equal(model.requests[0]!.messages[0]!.content, 'Capital of France?');
});
