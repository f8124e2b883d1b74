import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { assembleTools } from '../../../electron/core/agent/assemble-tools.ts';
import { createApi } from '../../../electron/core/api/create-api.ts';
import { createBackend } from '../../../electron/core/backend.ts';
import type { ToolInfo } from '../../../electron/core/contract/ask.ts';
import { KnowledgeIndex } from '../../../electron/core/knowledge/knowledge-index.ts';
import type { PythonSandbox } from '../../../electron/core/tools/python/python-sandbox.ts';
import { everythingServerEntry } from '../../support/mcp-servers.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('the Ask screen offers the same tools as `inflow ask` (one builder), and lists a server that fails as missing', async () => {
  const backend = await createBackend({ dataDir: tempDir() });
  const api = createApi({ backend, gpu: false, threads: 1, startLocalApi: false });
  try {
    fs.writeFileSync(
      backend.paths.mcpConfig,
      JSON.stringify({ mcpServers: { everything: everythingServerEntry(), broken: { command: path.join(tempDir(), 'no-such-binary') } } }),
    );
    const listed = await api.dispatch('ask.tools', {});
    assert.ok(listed.ok, JSON.stringify(listed));
    const app = listed.value as ToolInfo[];
    const cli = await assembleTools({
      backend,
      webAccess: false,
      knowledge: new KnowledgeIndex(backend.db),
      sandbox: {} as PythonSandbox,
      mcp: true,
    });
    try {
      assert.deepEqual(
        app.filter((tool) => tool.available).map((tool) => tool.name),
        cli.tools.map((tool) => tool.name),
      );
      assert.ok(app.some((tool) => tool.name === 'everything__echo' && tool.available));
      const broken = app.find((tool) => tool.name === 'broken (MCP)');
      assert.equal(broken?.available, false);
      assert.ok((broken?.reason ?? '') !== '', 'the reason is shown');
      assert.ok(cli.problems.some((problem) => problem.startsWith('broken: ')));
    } finally {
      await backend.mcp.closeAll();
    }
  } finally {
    await api.dispose();
    await backend.close();
  }
});
