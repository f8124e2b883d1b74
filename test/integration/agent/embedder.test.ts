import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createLlamaEmbedder } from '../../../electron/core/knowledge/embedder.ts';
import { KnowledgeIndex } from '../../../electron/core/knowledge/knowledge-index.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

test('a local GGUF embeds passages through node-llama-cpp and hybrid search ranks with them', async () => {
  const engine = await getEngine({ gpu: false });
  const model = await engine.loadModel({ path: testModelPath({ seed: 7 }), contextSize: 256, threads: 1 });
  const embedder = await createLlamaEmbedder({ id: 'test', llamaModel: model.llamaModel, contextSize: 128, threads: 1 });
  try {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.txt'), 'The garden budget is 4200 euros.');
    fs.writeFileSync(path.join(dir, 'b.txt'), 'Zebras migrate in July.');
    const index = new KnowledgeIndex(openDatabase(path.join(dir, 'inflow.db')), { embedder });
    await index.addAndIndexFolder(dir);
    const stored = index.db.prepare('SELECT length(embedding) AS bytes FROM knowledge_passages').all() as Array<{ bytes: number }>;
    assert.equal(stored.length, 2);
    assert.ok(
      stored.every((row) => row.bytes === stored[0]!.bytes && row.bytes >= 64),
      'every passage has a float32 vector',
    );
    const [vector] = await embedder.embed(['garden budget']);
    assert.ok(Math.abs(Math.hypot(...vector!) - 1) < 1e-3, 'vectors are normalised');
    const hits = await index.searchHybrid('garden budget', { limit: 2 });
    assert.equal(hits[0]!.source, path.join(dir, 'a.txt'));
  } finally {
    await embedder.dispose();
    await model.dispose();
  }
});
