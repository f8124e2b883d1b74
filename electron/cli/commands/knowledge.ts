import { parseArgs } from 'node:util';
import { defaults } from '../../core/contract/defaults.ts';
import { InflowError } from '../../core/errors.ts';
import type { KnowledgeIndex, IndexStats } from '../../core/knowledge/knowledge-index.ts';
import { openEmbedder } from '../../core/knowledge/open-embedder.ts';
import { importWikipediaDump } from '../../core/knowledge/wikipedia-dump.ts';
import type { CliCommand, CliContext } from '../command.ts';
import { wholeNumberFlag } from '../flag-values.ts';

const usage = `Usage: inflow knowledge <command>
  add FOLDER                 index a folder (txt, md, html, pdf; re-running it re-indexes what changed)
  add-wikipedia FILE         import an offline Wikipedia dump (.jsonl or .jsonl.gz, one {"title","text"} per line)
  refresh                    re-index every folder (incremental)
  list                       folders and dumps with their document and passage counts
  search "QUERY" [--limit N] the best passages with their source and location (default ${defaults.knowledgeSearchHits})
  rm FOLDER|ID               forget a folder or dump (the files are not touched)
  --embed-model PATH|ID      with add, add-wikipedia, refresh, search: also embed passages with this local
                             embedding GGUF and rank by BM25 + vector similarity (hybrid); --threads N`;

function printStats(context: CliContext, label: string, stats: IndexStats): void {
  context.print(
    `${label}: ${stats.added} added, ${stats.updated} updated, ${stats.removed} removed, ${stats.unchanged} unchanged, ${stats.passages} passages written in ${(stats.durationMs / 1000).toFixed(1)} s`,
  );
  for (const failure of stats.failed) context.print(`  skipped ${failure.path}: ${failure.error}`);
}

/** `inflow knowledge`: the folders the knowledge search tool searches. */
export const command: CliCommand = {
  name: 'knowledge',
  summary: 'index folders and Wikipedia dumps for the knowledge tools; search them',
  usage,
  async run(context, args) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { limit: { type: 'string' }, 'embed-model': { type: 'string' }, threads: { type: 'string' } },
    });
    const backend = await context.backend();
    const embedder =
      values['embed-model'] === undefined
        ? undefined
        : await openEmbedder({
            model: values['embed-model'],
            loader: backend.modelLoader,
            signal: context.signal,
            threads: wholeNumberFlag(values.threads, 'threads', { min: 1 }, usage),
          });
    try {
      return await run(context, sub, positionals, values.limit, backend.knowledge(embedder));
    } finally {
      await embedder?.dispose();
    }
  },
};

/** One knowledge subcommand on an index (with an embedder when --embed-model was given). */
async function run(
  context: CliContext,
  sub: string | undefined,
  positionals: string[],
  limitText: string | undefined,
  index: KnowledgeIndex,
): Promise<void> {
  const progress = context.json
    ? undefined
    : ({ done, total }: { done: number; total: number }) => {
        if (total > 0 && done % 50 === 0 && process.stderr.isTTY) process.stderr.write(`\r${done}/${total} files`);
      };
  switch (sub) {
    case 'add': {
      const folder = positionals[0];
      if (folder === undefined) throw new InflowError('USAGE', 'Give the folder to index.', { hint: usage });
      const { source, stats } = await index.addAndIndexFolder(folder, { signal: context.signal, ...(progress ? { onProgress: progress } : {}) });
      await index.embedMissing({ signal: context.signal });
      if (context.json) context.printJson({ source, stats });
      else printStats(context, source.path, stats);
      return;
    }
    case 'add-wikipedia': {
      const file = positionals[0];
      if (file === undefined) throw new InflowError('USAGE', 'Give the dump file.', { hint: usage });
      const stats = await importWikipediaDump(index, file, { signal: context.signal });
      await index.embedMissing({ signal: context.signal });
      if (context.json) context.printJson(stats);
      else printStats(context, file, stats);
      return;
    }
    case 'refresh': {
      const all = await index.refresh({ signal: context.signal });
      await index.embedMissing({ signal: context.signal });
      if (context.json) context.printJson(all);
      else
        index
          .listSources()
          .filter((s) => s.kind === 'folder')
          .forEach((source, i) => printStats(context, source.path, all[i]!));
      return;
    }
    case 'list': {
      const sources = index.listSources();
      if (context.json) {
        context.printJson(sources);
        return;
      }
      if (sources.length === 0) {
        context.print('Nothing indexed yet. Add a folder: inflow knowledge add ~/Documents/notes');
        return;
      }
      for (const source of sources)
        context.print(
          `${String(source.id).padStart(3)}  ${source.kind.padEnd(9)} ${String(source.documents).padStart(6)} docs ${String(source.passages).padStart(8)} passages  ${source.path}`,
        );
      return;
    }
    case 'search': {
      const query = positionals.join(' ').trim();
      if (query === '') throw new InflowError('USAGE', 'Give the search text.', { hint: usage });
      const limit = limitText === undefined ? undefined : Number(limitText);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new InflowError('USAGE', `--limit needs a positive whole number, not "${limitText}".`);
      // Without --limit: the index's default, defaults.knowledgeSearchHits, as on the Knowledge screen.
      const hits = await index.searchHybrid(query, { ...(limit === undefined ? {} : { limit }), signal: context.signal });
      if (context.json) {
        context.printJson(hits);
        return;
      }
      if (hits.length === 0) context.print('No passage matched.');
      for (const hit of hits)
        context.print(`${hit.source} (${hit.location}) score ${hit.score.toFixed(2)}\n  ${hit.text.replace(/\s+/g, ' ').slice(0, 300)}\n`);
      return;
    }
    case 'rm': {
      const target = positionals[0];
      if (target === undefined) throw new InflowError('USAGE', 'Give the folder or id to forget.', { hint: usage });
      const removed = index.removeSource(/^\d+$/.test(target) ? Number(target) : target);
      if (!removed) throw new InflowError('KNOWLEDGE_SOURCE_NOT_FOUND', `Nothing indexed as ${target}.`, { hint: 'See inflow knowledge list.' });
      if (context.json) context.printJson({ removed: target });
      else context.print(`Forgot ${target}.`);
      return;
    }
    default:
      throw new InflowError('USAGE', sub === undefined ? 'Say what to do.' : `Unknown knowledge command "${sub}".`, { hint: usage });
  }
}
