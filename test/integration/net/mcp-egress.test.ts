import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { createBackend, type Backend } from '../../../electron/core/backend.ts';
import { runTool } from '../../../electron/core/tools/run-tool.ts';
import { startEverythingHttpServer } from '../../support/mcp-servers.ts';
import { tempDir } from '../../support/temp-dir.ts';

/**
 * An MCP server over streamable HTTP is reached through the network module: its requests are in the egress log
 * (feature mcp-http, its host); a server marked local-only at an address on another computer is never called, and
 * one on another computer is refused while "Tool servers over HTTP" is off.
 */
let backend: Backend | undefined;
let stop: (() => void) | undefined;
after(async () => {
  await backend?.close();
  stop?.();
});

test('MCP over HTTP: every request logged under mcp-http; local-only refuses another computer', async () => {
  backend = await createBackend({ dataDir: path.join(tempDir('inflow-mcp-egress-'), 'data') });
  const server = await startEverythingHttpServer();
  stop = server.stop;
  backend.mcp.config.add('remote', { type: 'http', url: server.url, localOnly: true });
  const signal = AbortSignal.timeout(60_000);
  const { tools, problems } = await backend.mcp.tools({ signal });
  assert.deepEqual(problems, []);
  const echo = await runTool(
    tools.find((tool) => tool.name === 'remote__echo')!,
    { message: 'logged' },
    { signal },
  );
  assert.equal(echo.ok && echo.output, 'Echo: logged');
  const rows = backend.egress.list();
  assert.ok(rows.length >= 2, `${rows.length} requests logged`);
  assert.deepEqual([...new Set(rows.map((row) => `${row.feature} ${row.host}`))], [`mcp-http 127.0.0.1:${server.port}`]);
  assert.ok(rows.some((row) => row.method === 'POST' && row.bytesOut > 0 && row.bytesIn > 0));

  backend.mcp.config.add('far', { type: 'http', url: 'https://mcp.example.invalid/mcp', localOnly: true });
  const again = await backend.mcp.tools({ signal });
  const far = again.problems.find((problem) => problem.server === 'far');
  assert.match(far?.error.message ?? '', /marked local-only but its URL is on another computer/);
  assert.equal(backend.egress.list().filter((row) => row.host === 'mcp.example.invalid').length, 0, 'not even attempted');

  backend.mcp.config.remove('far');
  backend.mcp.config.add('open', { type: 'http', url: 'https://mcp.example.invalid/mcp' });
  const third = await backend.mcp.tools({ signal });
  assert.ok(
    third.problems.some((problem) => problem.server === 'open'),
    'with "Tool servers over HTTP" off it cannot be used',
  );
  assert.deepEqual(
    backend.egress
      .list()
      .filter((row) => row.host === 'mcp.example.invalid')
      .map((row) => [row.feature, row.outcome])
      .slice(0, 1),
    [['mcp-http', 'refused']],
  );
});
