import { z } from 'zod';
import { method } from './method.ts';
import { emptyInput } from './common.ts';

export interface KnowledgeFolderView {
  path: string;
  files: number;
  passages: number;
  indexedAt: number | null;
  /** idle | indexing | error */
  status: string;
  error: string | null;
}

export interface KnowledgeHit {
  source: string;
  location: string;
  text: string;
  score: number;
}

const folderPath = z.string().trim().min(1, 'name a folder').max(4096);

/** Folders the knowledge-search tool reads; indexing progress arrives as `knowledge-progress` events. */
export const knowledgeContract = {
  folders: method<KnowledgeFolderView[]>()(emptyInput),
  add: method<KnowledgeFolderView>()(z.object({ path: folderPath }).strict()),
  remove: method<{ removed: boolean }>()(z.object({ path: folderPath }).strict()),
  reindex: method<KnowledgeFolderView>()(z.object({ path: folderPath }).strict()),
  search: method<KnowledgeHit[]>()(
    z
      .object({ query: z.string().trim().min(1, 'type something to search for').max(1000), limit: z.number().int().min(1).max(50).optional() })
      .strict(),
  ),
};
