import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createGroundedSearchTool } from '../../../electron/core/tools/builtin/grounded-search-tool.ts';
import { runTool } from '../../../electron/core/tools/run-tool.ts';
import { ScriptedLanguageModel } from '../../support/scripted-model.ts';
import { testNetwork } from '../../support/network.ts';

// The tool reaches the stand-in web server (127.0.0.1) through the network module, as in the product.
const fetch = testNetwork({ privacy: { networkTools: true } }).network.fetcher('web');

let server: http.Server;
let base = '';
before(async () => {
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    response.setHeader('content-type', 'text/html');
    if (url.pathname === '/search' && url.searchParams.get('q') === 'nothing') response.end('<html><body>No results.</body></html>');
    else if (url.pathname === '/search') {
      const result = (href: string, title: string, snippet: string) =>
        `<div><a class="result__a" href="${href}">${title}</a><a class="result__snippet" href="#">${snippet}</a></div>`;
      response.end(result(`${base}/canberra`, 'Canberra', 'The capital city.') + result(`${base}/gone`, 'Gone page', 'Canberra is in the ACT.'));
    } else if (url.pathname === '/canberra') {
      response.end(
        `<html><title>Canberra - facts</title><body><p>${'Unrelated filler text here. '.repeat(120)}</p><p>Canberra has a population of 467,000 people.</p></body></html>`,
      );
    } else {
      response.statusCode = 404;
      response.end('gone');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const signal = new AbortController().signal;

test('Ground_Google_Search_Tool: searches, reads the top pages, and the model answers citing them as [n](url)', async () => {
  const tool = createGroundedSearchTool({ searchUrl: `${base}/search?q={query}`, fetch });
  const model = new ScriptedLanguageModel({ turns: ['Canberra has about 467,000 people [1]. It lies in the ACT [2].'] });
  const answer = await tool.execute(tool.validate({ query: 'population of Canberra' }), { signal, model });
  assert.equal(answer, `Canberra has about 467,000 people [1](${base}/canberra). It lies in the ACT [2](${base}/gone).`);
  const prompt = model.requests[0]!.messages[0]!.content;
  assert.match(
    prompt,
    /\[1\] Canberra - facts \(http:\/\/127\.0\.0\.1:\d+\/canberra\)\n.*population of 467,000/,
    "the page's passages matching the query",
  );
  assert.doesNotMatch(prompt, /(Unrelated filler text here\. ){100}/, 'only the relevant passages, not the whole page');
  assert.match(
    prompt,
    /\[2\] Gone page \(http:\/\/127\.0\.0\.1:\d+\/gone\)\nCanberra is in the ACT\./,
    'an unreadable page falls back to its search snippet',
  );
  assert.equal(model.requests[0]!.sampling?.temperature, 0);
});

test('Ground_Google_Search_Tool: add_citations=False leaves the citations out; no results and no model are answered too', async () => {
  const tool = createGroundedSearchTool({ searchUrl: `${base}/search?q={query}`, fetch });
  const model = new ScriptedLanguageModel({ turns: ['Canberra has about 467,000 people [1].'] });
  assert.equal(
    await tool.execute(tool.validate({ query: 'population of Canberra', add_citations: false }), { signal, model }),
    'Canberra has about 467,000 people.',
  );
  const uncited = new ScriptedLanguageModel({ turns: ['About 467,000.'] });
  assert.equal(
    await tool.execute(tool.validate({ query: 'population of Canberra' }), { signal, model: uncited }),
    `About 467,000.\n\nSources: [1](${base}/canberra), [2](${base}/gone)`,
  );
  assert.equal(await tool.execute(tool.validate({ query: 'nothing' }), { signal, model }), 'No web results were found for "nothing".');
  const passages = (await tool.execute(tool.validate({ query: 'population of Canberra' }), { signal })) as string;
  assert.match(passages, /population of 467,000 people\. \[1\]\(http:\/\/127\.0\.0\.1:\d+\/canberra\)/);
});

test('Ground_Google_Search_Tool: a wrong input is a clear error value naming the field', async () => {
  const tool = createGroundedSearchTool({ searchUrl: `${base}/search?q={query}`, fetch });
  const result = await runTool(tool, { query: 'x', add_citations: 'yes' }, { signal });
  assert.equal(result.ok, false);
  assert.match(JSON.stringify(result), /add_citations/);
});
