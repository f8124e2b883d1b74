import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAgent } from '../../../electron/core/agent/run-agent.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import type { LocalModel } from '../../../electron/core/llm/local-model.ts';
import { McpManager } from '../../../electron/core/mcp/mcp-manager.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { boundSchema } from '../../../electron/core/tools/grammar-schema.ts';
import type { Tool } from '../../../electron/core/tools/tool.ts';
import { everythingServerEntry, filesystemServerEntry } from '../../support/mcp-servers.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

// The real engine on a small random-weight GGUF: its choices are noise, but every generation runs under the
// grammar built from the MCP tools' schemas, so whatever it writes must be a call the server's schema accepts.
let model: LocalModel;
let tools: Tool[];
const folder = fs.realpathSync(tempDir());
fs.writeFileSync(path.join(folder, 'a.txt'), 'alpha');
const manager = new McpManager({ configFile: path.join(tempDir(), 'mcp.json') });

before(async () => {
  manager.config.add('files', filesystemServerEntry(folder));
  manager.config.add('everything', everythingServerEntry());
  tools = (await manager.tools()).tools;
  const engine = await getEngine({ gpu: false });
  model = await engine.loadModel({ path: testModelPath(), contextSize: 2048, threads: 1 });
});
after(async () => {
  await manager.closeAll();
  await model?.dispose();
});

describe('MCP tools with a real GGUF model', () => {
  it("every tool's grammar schema compiles, and what the model writes under it fits the server's schema in structure", async () => {
    assert.ok(tools.length >= 25, `${tools.length} tools`);
    let finished = 0;
    for (const tool of tools) {
      // Only arrays are bounded: node-llama-cpp's maxLength counts bytes where a random model's broken UTF-8 decodes
      // to more characters, which its own check then refuses (an engine matter, not the schema's).
      const generation = await model.generate({
        messages: [{ role: 'user', content: `Write the input for ${tool.name}.` }],
        jsonSchema: boundSchema(tool.inputSchema, { maxStringLength: 100_000, maxItems: 2 }),
        sampling: { temperature: 0.8, seed: 7, maxTokens: 300 },
      });
      if (generation.stopReason !== 'eos') continue;
      finished += 1;
      try {
        tool.validate(generation.parsed);
      } catch (error) {
        // Number ranges, patterns and formats are beyond a grammar (they are in the description); anything
        // structural (a missing field, a wrong type, an extra property) would be a bug in the schema rewrite.
        assert.match(
          (error as Error).message,
          /^The input for \S+ is invalid: (input\/\S+ must (be [<>]=? |match (pattern|format) )[^,]*(, |\.$))+$/,
          `${tool.name}: ${generation.text}`,
        );
      }
    }
    assert.ok(finished >= tools.length * 0.7, `${finished} of ${tools.length} constrained outputs finished within 300 tokens`);
  });

  it('a run on the real model plans with the MCP tools, calls one through the executor and records it', async () => {
    const runs = new RunStore(openDatabase(path.join(tempDir(), 'inflow.db')));
    const readOnly = tools.filter((tool) =>
      ['files__read_text_file', 'files__list_directory', 'everything__get_sum', 'everything__echo'].includes(tool.name),
    );
    const result = await runAgent({
      question: `List the files in ${folder}.`,
      models: { planner: model },
      tools: readOnly,
      store: runs,
      seed: 3,
      limits: { maxSteps: 1, maxTimeMs: 120_000 },
      moduleMaxTokens: { analyzer: 24, planner: 200, executor: 120, verifier: 16, generator: 16 },
    });
    const step = result.steps[0];
    assert.ok(step !== undefined, `stopped with ${result.stopReason} ${result.error ?? ''}`);
    assert.ok(
      readOnly.some((tool) => tool.name === step.toolName),
      `the planner chose one of the MCP tools (${step.toolName})`,
    );
    const call = runs.getModuleCalls(result.runId).find((row) => row.module === 'tool');
    assert.ok(call, 'the MCP call is recorded like any tool call');
    assert.equal((call.meta as { tool: string }).tool, step.toolName);
    assert.deepEqual(JSON.parse(call.promptText), JSON.parse(step.command), "the executor's input went to the server");
    const error = (call.meta as { error?: { code: string; message: string } }).error;
    assert.ok(error === undefined || error.code === 'MCP_TOOL_ERROR', `the server ran the call (${error?.message})`);
  });
});
