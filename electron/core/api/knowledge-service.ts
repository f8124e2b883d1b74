import type { Backend } from '../backend.ts';
import type { EventHub } from './event-hub.ts';
import type { KnowledgeFolderView, KnowledgeHit } from '../contract/knowledge.ts';
import type { KnowledgeIndex, KnowledgeSource } from '../knowledge/knowledge-index.ts';
import { InflowError } from '../errors.ts';

interface Job {
  controller: AbortController;
  done: Promise<void>;
  error: string | null;
}

/**
 * The Knowledge screen over the knowledge index: folders with their indexing state, incremental
 * re-indexing in the background with `knowledge-progress` events, and search. The same index backs the
 * agent's knowledge-search tool.
 */
export class KnowledgeService {
  readonly index: KnowledgeIndex;
  private readonly events: EventHub;
  private readonly jobs = new Map<string, Job>();
  private readonly failures = new Map<string, string>();

  constructor(options: { backend: Backend; events: EventHub }) {
    this.index = options.backend.knowledge();
    this.events = options.events;
  }

  async folders(): Promise<KnowledgeFolderView[]> {
    return this.index
      .listSources()
      .filter((source) => source.kind === 'folder')
      .map((source) => this.view(source));
  }

  /** Adds a folder and starts indexing it; returns at once with status `indexing`. */
  async add(folder: string): Promise<KnowledgeFolderView> {
    const source = this.index.addFolder(folder);
    this.startIndexing(source);
    return this.view(source);
  }

  async remove(folder: string): Promise<{ removed: boolean }> {
    const source = this.require(folder);
    const job = this.jobs.get(source.path);
    job?.controller.abort();
    await job?.done;
    return { removed: this.index.removeSource(source.id) };
  }

  async reindex(folder: string): Promise<KnowledgeFolderView> {
    const source = this.require(folder);
    this.startIndexing(source);
    return this.view(source);
  }

  /** The Knowledge screen's search, the same as `inflow knowledge search`: `limit` hits, else defaults.knowledgeSearchHits. */
  async search(query: string, limit?: number): Promise<KnowledgeHit[]> {
    return (await this.index.searchHybrid(query, limit === undefined ? {} : { limit })).map((hit) => ({
      source: hit.source,
      location: hit.location,
      text: hit.text,
      score: hit.score,
    }));
  }

  /** Waits for running indexing jobs (tests; quitting cancels them instead). */
  async idle(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((job) => job.done));
  }

  async dispose(): Promise<void> {
    for (const job of this.jobs.values()) job.controller.abort();
    await this.idle();
  }

  private require(folder: string): KnowledgeSource {
    const source = this.index.getSource(folder);
    if (source === undefined || source.kind !== 'folder') {
      throw new InflowError('KNOWLEDGE_FOLDER_UNKNOWN', `${folder} is not one of your knowledge folders.`, {
        hint: 'Add it first on the Knowledge screen.',
      });
    }
    return source;
  }

  private startIndexing(source: KnowledgeSource): void {
    if (this.jobs.has(source.path)) return;
    const controller = new AbortController();
    this.failures.delete(source.path);
    const job: Job = { controller, error: null, done: Promise.resolve() };
    this.jobs.set(source.path, job);
    job.done = this.index
      .indexFolder(source, {
        signal: controller.signal,
        onProgress: (progress) => this.emit(source.path, progress.done, progress.total),
      })
      .then(
        (stats) => {
          if (stats.failed.length > 0)
            this.failures.set(
              source.path,
              `${stats.failed.length} file(s) could not be read, e.g. ${stats.failed[0]!.path}: ${stats.failed[0]!.error}`,
            );
        },
        (error: unknown) => {
          if (!controller.signal.aborted) this.failures.set(source.path, error instanceof Error ? error.message : String(error));
        },
      )
      .finally(() => {
        this.jobs.delete(source.path);
        const done = this.index.getSource(source.path);
        if (done !== undefined) this.emit(source.path, done.documents, done.documents);
      });
  }

  private emit(folder: string, filesDone: number, filesTotal: number): void {
    const source = this.index.getSource(folder);
    if (source === undefined) return;
    this.events.emit('knowledge-progress', { ...this.view(source), filesDone, filesTotal });
  }

  private view(source: KnowledgeSource): KnowledgeFolderView {
    const error = this.failures.get(source.path) ?? null;
    return {
      path: source.path,
      files: source.documents,
      passages: source.passages,
      indexedAt: source.indexedAt,
      status: this.jobs.has(source.path) ? 'indexing' : error !== null ? 'error' : 'idle',
      error,
    };
  }
}
