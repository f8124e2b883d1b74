import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { assembleTools } from '../../../electron/core/agent/assemble-tools.ts';
import { createBackend } from '../../../electron/core/backend.ts';
import { KnowledgeIndex } from '../../../electron/core/knowledge/knowledge-index.ts';
import type { PythonSandbox } from '../../../electron/core/tools/python/python-sandbox.ts';
import { everythingServerEntry } from '../../support/mcp-servers.ts';
import { tempDir } from '../../support/temp-dir.ts';

test("a run's tools: built-in ones plus the tools of configured MCP servers, selectable by name", async () => {
  const backend = await createBackend({ dataDir: tempDir() });
  try {
    fs.writeFileSync(backend.paths.mcpConfig, JSON.stringify({ mcpServers: { everything: everythingServerEntry() } }));
    const base = { backend, webAccess: false, knowledge: new KnowledgeIndex(backend.db), sandbox: {} as PythonSandbox, mcp: true };
    const all = await assembleTools(base);
    assert.ok(all.tools.some((tool) => tool.name === 'Python_Code_Generator_Tool'));
    const echo = all.tools.find((tool) => tool.name === 'everything__echo');
    assert.equal(echo?.source, 'mcp:everything');
    assert.deepEqual(all.problems, []);

    const some = await assembleTools({ ...base, only: ['python', 'everything__echo'] });
    assert.deepEqual(
      some.tools.map((tool) => tool.name),
      ['Python_Code_Generator_Tool', 'everything__echo'],
    );
    assert.ok(some.absent.some((tool) => tool.name === 'Generalist_Solution_Generator_Tool' && tool.reason === 'not selected for this run'));
    await assert.rejects(assembleTools({ ...base, only: ['everything__nope'] }), /There is no tool "everything__nope"/);

    const without = await assembleTools({ ...base, mcp: false });
    assert.ok(!without.tools.some((tool) => tool.source.startsWith('mcp:')));
  } finally {
    await backend.close();
  }
});

test('a configured server that cannot start is reported and the run goes on with the others', async () => {
  const backend = await createBackend({ dataDir: tempDir() });
  try {
    fs.writeFileSync(backend.paths.mcpConfig, JSON.stringify({ mcpServers: { broken: { command: path.join(tempDir(), 'no-such-binary') } } }));
    const result = await assembleTools({
      backend,
      webAccess: false,
      knowledge: new KnowledgeIndex(backend.db),
      sandbox: {} as PythonSandbox,
      mcp: true,
    });
    assert.ok(result.tools.length >= 2);
    assert.match(result.problems[0]!, /^broken: /);
  } finally {
    await backend.close();
  }
});
