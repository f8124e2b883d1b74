import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { networkFeatures } from '../../../electron/core/net/network-policy.ts';
import { egressRetention } from '../../../electron/core/net/egress-log.ts';
import { canIsolateNetwork, httpServerFetch, stdioCommand } from '../../../electron/core/mcp/local-only.ts';
import { parseServerEntry } from '../../../electron/core/mcp/mcp-config.ts';
import { testNetwork } from '../../support/network.ts';
import { tempDir } from '../../support/temp-dir.ts';

/**
 * The network module: nothing leaves by default (refused before any connection: the egress guard, loaded into
 * this process, sees no attempt), a feature the user allowed does connect, this computer is always reachable,
 * every request is logged with host and bytes, redirects are checked hop by hop, MCP servers can be local-only.
 */
const recordFile = path.join(tempDir('inflow-net-'), 'egress.jsonl');
const attempts = () =>
  fs.existsSync(recordFile)
    ? fs
        .readFileSync(recordFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { host: string }).host)
    : [];
let base = '';
let port = 0;
const server = http.createServer((request, response) => {
  if (request.url === '/hop') {
    response.writeHead(302, { location: `http://localhost:${port}/page` });
    response.end();
    return;
  }
  if (request.url === '/away') {
    response.writeHead(302, { location: 'http://192.0.2.9/elsewhere' });
    response.end();
    return;
  }
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`page:${body.length}:${'x'.repeat(1000)}`);
  });
});

before(async () => {
  process.env.INFLOW_EGRESS_RECORD = recordFile;
  await import('../../support/egress-guard.ts');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const refused = (error: unknown) =>
  InflowError.isInstance(error) && error.code === 'NETWORK_NOT_ALLOWED' && /Settings → Privacy|--endpoint/.test(error.hint ?? '');

test('by default every feature is refused before a connection opens, and the refusal is logged', async () => {
  const { network, log } = testNetwork();
  for (const feature of networkFeatures) {
    await assert.rejects(network.fetch(feature, 'https://example.org/file'), refused);
  }
  assert.deepEqual(attempts(), [], 'nothing tried to connect');
  const rows = log.list();
  assert.deepEqual(
    rows.map((row) => [row.feature, row.host, row.outcome]).sort(),
    networkFeatures.map((feature) => [feature, 'example.org', 'refused']).sort(),
  );
});

test('a feature the user allowed connects (here the guard stops it at the socket); grants work per process', async () => {
  const { network, log } = testNetwork({ privacy: { networkTools: true } });
  await assert.rejects(network.fetch('web', 'http://192.0.2.1/search'), (error: unknown) => !InflowError.isInstance(error));
  assert.deepEqual(attempts(), ['192.0.2.1'], 'the allowed feature did try to connect');
  assert.equal(log.list()[0]!.outcome, 'failed');
  await assert.rejects(network.fetch('wikipedia', 'http://192.0.2.1/w'), refused, 'Wikipedia online is its own switch');
  network.grant('wikipedia');
  await assert.rejects(network.fetch('wikipedia', 'http://192.0.2.1/w'), (error: unknown) => !InflowError.isInstance(error));
  assert.equal(attempts().length, 2);
  fs.rmSync(recordFile);
});

test('this computer is always reachable; host, method and bytes each way are logged', async () => {
  const { network, log } = testNetwork();
  const response = await network.fetch('web', `${base}/page`, { method: 'POST', body: 'hello' });
  const text = await response.text();
  assert.match(text, /^page:5:/);
  const [row] = log.list();
  assert.deepEqual(
    {
      feature: row!.feature,
      host: row!.host,
      method: row!.method,
      outcome: row!.outcome,
      status: row!.status,
      bytesOut: row!.bytesOut,
      bytesIn: row!.bytesIn,
    },
    { feature: 'web', host: `127.0.0.1:${port}`, method: 'POST', outcome: 'ok', status: 200, bytesOut: 5, bytesIn: Buffer.byteLength(text) },
  );
});

test('redirects are followed hop by hop: each host is logged, a hop to a refused host is stopped', async () => {
  const { network, log } = testNetwork();
  const response = await network.fetch('web', `${base}/hop`);
  assert.equal(response.url, `http://localhost:${port}/page`);
  assert.match(await response.text(), /^page:/);
  assert.deepEqual(
    log
      .list()
      .map((row) => row.host)
      .reverse(),
    [`127.0.0.1:${port}`, `localhost:${port}`],
  );
  await assert.rejects(network.fetch('web', `${base}/away`), refused);
  assert.equal(log.list()[0]!.host, '192.0.2.9');
  assert.equal(log.list()[0]!.outcome, 'refused');
  assert.deepEqual(attempts(), []);
});

test('an MCP server marked local-only: an HTTP one only at a loopback URL, a stdio one without a network', () => {
  const { network } = testNetwork({ privacy: { mcpHttp: true } });
  const remote = parseServerEntry('remote', { url: 'https://mcp.example.com/mcp', localOnly: true });
  assert.equal(remote.localOnly, true);
  assert.throws(() => httpServerFetch(remote as never, network), /local-only but its URL is on another computer/);
  assert.equal(typeof httpServerFetch(parseServerEntry('near', { url: `${base}/mcp`, localOnly: true }) as never, network), 'function');
  const stdio = parseServerEntry('files', {
    command: process.execPath,
    args: [
      '-e',
      "require('net').connect(80, '192.0.2.1').on('error', (e) => { console.log(e.code); }).on('connect', () => console.log('CONNECTED'))",
    ],
    localOnly: true,
  });
  assert.throws(() => parseServerEntry('bad', { command: 'x', localOnly: 'yes' }), /"localOnly" must be true or false/);
  if (!canIsolateNetwork()) {
    assert.throws(() => stdioCommand(stdio as never), /cannot start a process without network access/);
    return;
  }
  const { command, args } = stdioCommand(stdio as never);
  assert.equal(command, 'unshare');
  const out = execFileSync(command, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }).trim();
  assert.equal(out, 'ENETUNREACH', 'the server process has no route to another computer');
  const open = parseServerEntry('files', { command: 'node', args: ['server.js'] });
  assert.deepEqual(stdioCommand(open as never), { command: 'node', args: ['server.js'] });
});

test('the egress log keeps the newest rows only', () => {
  const { log } = testNetwork();
  const total = egressRetention.keepRows + 2 * egressRetention.pruneEvery;
  for (let i = 0; i < total; i++) log.start({ at: i, feature: 'web', host: 'h', method: 'GET', outcome: 'ok', bytesOut: 0 });
  const kept = log.list({ limit: 1_000_000 });
  assert.ok(kept.length <= egressRetention.keepRows + egressRetention.pruneEvery, `${kept.length} rows kept`);
  assert.equal(kept[0]!.at, total - 1, 'the newest row is kept');
  assert.ok(kept.at(-1)!.at >= total - egressRetention.keepRows - egressRetention.pruneEvery, 'the oldest rows went');
});

test('a user who had network tools on before keeps Wikipedia online; new users have it off', async () => {
  const { openDatabase } = await import('../../../electron/core/store/database.ts');
  const { SettingsService } = await import('../../../electron/core/api/settings-service.ts');
  const db = openDatabase(':memory:');
  assert.equal(new SettingsService(db).read().privacy.wikipediaOnline, false);
  db.prepare("INSERT INTO settings (key, value) VALUES ('privacy.networkTools', 'true')").run();
  assert.deepEqual(new SettingsService(db).read().privacy, { networkTools: true, wikipediaOnline: true, modelDownloads: false, mcpHttp: false });
  new SettingsService(db).update({ privacy: { wikipediaOnline: false } });
  assert.equal(new SettingsService(db).read().privacy.wikipediaOnline, false, 'once set, the own switch wins');
});
