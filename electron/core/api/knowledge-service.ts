import type { Backend } from '../backend.ts';
import type { EventHub } from './event-hub.ts';
import type { KnowledgeFolderView, KnowledgeHit } from '../contract/knowledge.ts';
import { InflowError } from '../errors.ts';

/** The Knowledge screen over the knowledge index (electron/core/knowledge). */
export class KnowledgeService {
  private readonly options: { backend: Backend; events: EventHub };

  constructor(options: { backend: Backend; events: EventHub }) {
    this.options = options;
  }

  async folders(): Promise<KnowledgeFolderView[]> {
    return [];
  }

  async add(_folder: string): Promise<KnowledgeFolderView> {
    throw unavailable();
  }

  async remove(_folder: string): Promise<{ removed: boolean }> {
    throw unavailable();
  }

  async reindex(_folder: string): Promise<KnowledgeFolderView> {
    throw unavailable();
  }

  async search(_query: string, _limit?: number): Promise<KnowledgeHit[]> {
    throw unavailable();
  }

  async dispose(): Promise<void> {}
}

function unavailable(): InflowError {
  return new InflowError('KNOWLEDGE_UNAVAILABLE', 'The knowledge index is not part of this build yet.', { hint: 'Folders can be added once the knowledge module ships.' });
}
