import { z } from 'zod';
import { method } from './method.ts';
import { pageSchema } from './common.ts';
import { defaults } from './defaults.ts';

export interface MemoryEntryView {
  id: number;
  kind: 'fact' | 'preference';
  content: string;
  runId: string | null;
  /** The question of the run the entry came from, for the link text. */
  runQuestion: string | null;
  createdAt: number;
  updatedAt: number;
}

const contentSchema = z.string().trim().min(1, 'a memory entry cannot be empty').max(defaults.memoryEntryMaxChars);
const entryId = z.number().int().positive();

/** Long-term memory: facts and preferences the user confirmed, each linked to its run. */
export const memoryContract = {
  list: method<MemoryEntryView[]>()(
    z
      .object({ search: z.string().max(500).optional(), ...pageSchema })
      .strict()
      .optional(),
  ),
  add: method<MemoryEntryView>()(z.object({ content: contentSchema, kind: z.enum(['fact', 'preference']).optional() }).strict()),
  update: method<MemoryEntryView>()(z.object({ id: entryId, content: contentSchema, kind: z.enum(['fact', 'preference']).optional() }).strict()),
  remove: method<{ removed: boolean }>()(z.object({ id: entryId }).strict()),
};
