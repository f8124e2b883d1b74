import type { DownloadView } from '../contract/models.ts';
import type { EventHub } from './event-hub.ts';
import { modelCatalog, type CatalogModel } from '../models/catalog.ts';
import { pullModel } from '../models/pull-model.ts';
import { newId } from '../store/ids.ts';
import { InflowError } from '../errors.ts';
import type { Network } from '../net/network.ts';

interface Download {
  view: DownloadView;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Model downloads from the catalog for the Models screen: one at a time per model, progress as
 * `download-progress` events (at most a few per second), cancellable; an interrupted download resumes from
 * its partial file the next time (pullModel). Finished downloads are registered in the models folder.
 */
export class DownloadsService {
  private readonly modelsDir: string;
  private readonly network: Network;
  private readonly events: EventHub;
  private readonly catalog: readonly CatalogModel[];
  private readonly downloads = new Map<string, Download>();

  constructor(options: { modelsDir: string; events: EventHub; network: Network; catalog?: readonly CatalogModel[] }) {
    this.network = options.network;
    this.modelsDir = options.modelsDir;
    this.events = options.events;
    this.catalog = options.catalog ?? modelCatalog;
  }

  get models(): readonly CatalogModel[] {
    return this.catalog;
  }

  list(): DownloadView[] {
    return [...this.downloads.values()].map((download) => download.view);
  }

  start(catalogId: string): DownloadView {
    const entry = this.catalog.find((model) => model.id === catalogId);
    if (entry === undefined)
      throw new InflowError('UNKNOWN_MODEL', `There is no model "${catalogId}" in the catalog.`, { hint: 'Pick one from the Recommended list.' });
    // Refused here, before anything starts, when the user has not allowed model downloads (a loopback mirror is always fine).
    if (!this.network.allows('model-downloads', entry.url)) {
      void this.network.fetch('model-downloads', entry.url).catch(() => undefined);
      throw new InflowError(
        'NETWORK_NOT_ALLOWED',
        `Model downloads are off, so ${entry.name} cannot be downloaded from ${new URL(entry.url).host}.`,
        { hint: 'Turn on "Model downloads" in Settings → Privacy, then click Download again.' },
      );
    }
    const running = [...this.downloads.values()].find((download) => download.view.modelId === catalogId && download.view.status === 'downloading');
    if (running !== undefined) return running.view;
    const controller = new AbortController();
    const view: DownloadView = {
      downloadId: newId('dl'),
      modelId: catalogId,
      receivedBytes: 0,
      totalBytes: entry.approxBytes,
      status: 'downloading',
      error: null,
    };
    let lastEmit = 0;
    const download: Download = { view, controller, done: Promise.resolve() };
    this.downloads.set(view.downloadId, download);
    download.done = pullModel({
      modelsDir: this.modelsDir,
      id: catalogId,
      catalog: this.catalog,
      signal: controller.signal,
      fetch: this.network.fetcher('model-downloads'),
      onProgress: (progress) => {
        view.receivedBytes = progress.receivedBytes;
        view.totalBytes = progress.totalBytes ?? view.totalBytes;
        const now = Date.now();
        if (now - lastEmit >= 250) {
          lastEmit = now;
          this.events.emit('download-progress', { ...view });
        }
      },
    })
      .then(
        () => {
          view.status = 'done';
          view.receivedBytes = view.totalBytes ?? view.receivedBytes;
        },
        (error: unknown) => {
          view.status = controller.signal.aborted ? 'cancelled' : 'failed';
          view.error = controller.signal.aborted ? null : error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => this.events.emit('download-progress', { ...view }));
    this.events.emit('download-progress', { ...view });
    return { ...view };
  }

  cancel(downloadId: string): boolean {
    const download = this.downloads.get(downloadId);
    if (download === undefined || download.view.status !== 'downloading') return false;
    download.controller.abort();
    return true;
  }

  /** Waits for a download to settle (tests; the UI follows the events). */
  async settled(downloadId: string): Promise<DownloadView> {
    const download = this.downloads.get(downloadId);
    if (download === undefined) throw new InflowError('DOWNLOAD_NOT_FOUND', `No download "${downloadId}".`);
    await download.done;
    return { ...download.view };
  }

  async dispose(): Promise<void> {
    for (const download of this.downloads.values()) download.controller.abort();
    await Promise.allSettled([...this.downloads.values()].map((download) => download.done));
  }
}
