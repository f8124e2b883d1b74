import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { KnowledgeIndex } from '../../../electron/core/knowledge/knowledge-index.ts';
import { importWikipediaDump } from '../../../electron/core/knowledge/wikipedia-dump.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { createKnowledgeSearchTool } from '../../../electron/core/tools/builtin/knowledge-search-tool.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { makePdf } from './make-pdf.ts';

function setup() {
  const dir = tempDir();
  const docs = path.join(dir, 'docs');
  fs.mkdirSync(path.join(docs, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(docs, '.hidden'));
  fs.writeFileSync(path.join(docs, 'notes.txt'), 'Shopping list\n\nThe budget for the garden project is 4200 euros.\nDeadline: March.\n');
  fs.writeFileSync(path.join(docs, 'sub', 'guide.md'), '# Sourdough guide\n\nFeed the starter twice a day with rye flour.\n');
  fs.writeFileSync(
    path.join(docs, 'page.html'),
    '<html><head><title>Tides</title><script>var secretScript = 1;</script></head><body><p>Spring tides happen at new and full moon.</p></body></html>',
  );
  fs.writeFileSync(path.join(docs, 'report.pdf'), makePdf(['Introduction to zebras', 'The zebra migration happens in July']));
  fs.writeFileSync(path.join(docs, '.hidden', 'secret.txt'), 'garden password hunter2');
  fs.writeFileSync(path.join(docs, 'image.png'), 'not text');
  const index = new KnowledgeIndex(openDatabase(path.join(dir, 'inflow.db')));
  return { docs, index, dir };
}

test('a folder of txt, md, html and pdf files is indexed and searchable with source and location', async () => {
  const { docs, index } = setup();
  const { source, stats } = await index.addAndIndexFolder(docs);
  assert.equal(stats.added, 4);
  assert.deepEqual(stats.failed, []);
  assert.equal(source.documents, 4);

  const garden = index.search('garden budget');
  assert.equal(garden[0]!.source, path.join(docs, 'notes.txt'));
  assert.equal(garden[0]!.location, 'lines 1-5');
  assert.match(garden[0]!.text, /4200 euros/);
  assert.ok(!garden.some((hit) => hit.text.includes('hunter2')), 'hidden folders are not indexed');

  const zebra = index.search('When do zebras migrate?');
  assert.equal(zebra[0]!.source, path.join(docs, 'report.pdf'));
  assert.equal(zebra[0]!.location, 'page 2');
  assert.equal(index.search('rye starter')[0]!.title, 'Sourdough guide');
  assert.equal(index.search('spring tides')[0]!.title, 'Tides');
  assert.deepEqual(index.search('secretScript'), [], 'scripts in HTML are not indexed');
});

test('re-indexing is incremental: unchanged files are skipped, changed ones replaced, deleted ones removed', async () => {
  const { docs, index } = setup();
  const { source } = await index.addAndIndexFolder(docs);
  const again = await index.indexFolder(source);
  assert.deepEqual(
    { added: again.added, updated: again.updated, removed: again.removed, unchanged: again.unchanged },
    { added: 0, updated: 0, removed: 0, unchanged: 4 },
  );

  fs.writeFileSync(path.join(docs, 'notes.txt'), 'The budget for the garden project is now 5000 euros.\n');
  fs.utimesSync(path.join(docs, 'notes.txt'), new Date(), new Date(Date.now() + 5000));
  fs.rmSync(path.join(docs, 'page.html'));
  fs.writeFileSync(path.join(docs, 'new.md'), '# Cats\n\nCats sleep sixteen hours a day.\n');
  const changed = await index.indexFolder(source);
  assert.deepEqual(
    { added: changed.added, updated: changed.updated, removed: changed.removed, unchanged: changed.unchanged },
    { added: 1, updated: 1, removed: 1, unchanged: 2 },
  );
  assert.match(index.search('garden budget')[0]!.text, /5000/);
  assert.equal(index.search('garden budget').filter((hit) => hit.text.includes('4200')).length, 0);
  assert.deepEqual(index.search('spring tides'), []);
  assert.equal(index.search('cats sleep')[0]!.title, 'Cats');
});

test('search text cannot inject FTS5 syntax, and empty queries return nothing', async () => {
  const { docs, index } = setup();
  await index.addAndIndexFolder(docs);
  assert.doesNotThrow(() => index.search('budget" OR NEAR(x) * AND -{col}: ^'));
  assert.equal(index.search('budget" OR NEAR(')[0]!.source, path.join(docs, 'notes.txt'));
  assert.deepEqual(index.search('?!'), []);
});

test('a missing folder and a file given as folder are refused with clear errors', () => {
  const { index, docs } = setup();
  assert.throws(() => index.addFolder(path.join(docs, 'nope')), /does not exist/);
  assert.throws(() => index.addFolder(path.join(docs, 'notes.txt')), /is a file, not a folder/);
});

test('removing a source removes its passages', async () => {
  const { docs, index } = setup();
  await index.addAndIndexFolder(docs);
  assert.ok(index.passageCount() > 0);
  assert.equal(index.removeSource(docs), true);
  assert.equal(index.passageCount(), 0);
  assert.deepEqual(index.search('garden'), []);
});

test('a Wikipedia dump (gzipped JSON Lines) imports incrementally and reports bad lines', async () => {
  const { index, dir } = setup();
  const file = path.join(dir, 'wiki.jsonl.gz');
  const write = (articles: unknown[], extra = '') => fs.writeFileSync(file, zlib.gzipSync(articles.map((a) => JSON.stringify(a)).join('\n') + extra));
  write(
    [
      { title: 'Ada Lovelace', text: 'Ada Lovelace wrote the first algorithm for the Analytical Engine.' },
      { title: 'Alan Turing', text: 'Turing proposed the Turing machine in 1936.' },
    ],
    '\n{broken\n{"title": 3}',
  );
  const first = await importWikipediaDump(index, file);
  assert.equal(first.added, 2);
  assert.deepEqual(
    first.failed.map((f) => f.error),
    ['not valid JSON', 'needs string fields "title" and "text"'],
  );
  assert.equal(index.search('analytical engine', { sourceKind: 'wikipedia' })[0]!.title, 'Ada Lovelace');
  write([
    { title: 'Ada Lovelace', text: 'Ada Lovelace wrote the first algorithm for the Analytical Engine.' },
    { title: 'Grace Hopper', text: 'Hopper built the first compiler.' },
  ]);
  const second = await importWikipediaDump(index, file);
  assert.deepEqual({ added: second.added, unchanged: second.unchanged, removed: second.removed }, { added: 1, unchanged: 1, removed: 1 });
  assert.deepEqual(index.search('Turing machine'), []);
});

test('the knowledge tool returns passages with source and location, and only from folders', async () => {
  const { docs, index } = setup();
  await index.addAndIndexFolder(docs);
  const tool = createKnowledgeSearchTool({ index });
  const result = (await tool.execute({ query: 'garden budget', limit: 2 }, { signal: new AbortController().signal })) as {
    passages: Array<{ source: string; location: string }>;
  };
  assert.equal(result.passages[0]!.source, path.join(docs, 'notes.txt'));
  assert.ok(result.passages.length <= 2);
  assert.throws(() => tool.validate({ query: '' }), /Invalid input for Knowledge_Search_Tool: query/);
});

test('hybrid search finds a passage by meaning when it shares no word with the query', async () => {
  const { docs, index } = setup();
  // A toy embedder: words of one meaning share a dimension.
  const meanings: Record<string, number> = { car: 0, automobile: 0, vehicle: 0, garden: 1, budget: 2, euros: 2, zebra: 3, zebras: 3 };
  const embedder = {
    id: 'toy',
    async embed(texts: readonly string[]) {
      return texts.map((text) => {
        const vector = new Float32Array(5);
        for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) vector[meanings[word] ?? 4]! += 1;
        const norm = Math.hypot(...vector) || 1;
        return vector.map((v) => v / norm);
      });
    },
  };
  fs.writeFileSync(path.join(docs, 'auto.txt'), 'My automobile needs new tyres.');
  await index.addAndIndexFolder(docs);
  assert.deepEqual(index.search('car'), [], 'BM25 alone finds nothing');
  assert.equal(await index.embedMissing(), 0, 'no embedder yet: nothing embedded');
  index.setEmbedder(embedder);
  assert.ok((await index.embedMissing()) >= 5);
  const hits = await index.searchHybrid('car', { limit: 2 });
  assert.equal(hits[0]!.source, path.join(docs, 'auto.txt'));
  const both = await index.searchHybrid('garden budget', { limit: 1 });
  assert.equal(both[0]!.source, path.join(docs, 'notes.txt'));
});
