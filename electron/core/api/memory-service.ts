import { InflowError } from '../errors.ts';
import type { MemoryEntryView } from '../contract/memory.ts';
import type { LongTermMemory, MemoryEntry } from '../memory/long-term-memory.ts';

/**
 * The Memory screen's view of long-term memory (LongTermMemory, table memory_entries with its FTS5 index): list
 * and search, add, edit, delete. Edits go through the table's triggers, so the agent's search sees them at once.
 */
export class MemoryService {
  private readonly memory: LongTermMemory;

  constructor(memory: LongTermMemory) {
    this.memory = memory;
  }

  list(options: { search?: string; limit?: number; offset?: number } = {}): MemoryEntryView[] {
    return this.memory
      .views({ limit: options.limit ?? 200, offset: options.offset ?? 0, ...(options.search === undefined ? {} : { search: options.search }) })
      .map(toView);
  }

  get(id: number): MemoryEntryView {
    const [entry] = this.memory.views({ id });
    if (entry === undefined)
      throw new InflowError('MEMORY_NOT_FOUND', `No memory entry ${id}.`, { hint: 'It may have been deleted already; refresh the list.' });
    return toView(entry);
  }

  add(input: { content: string; kind?: 'fact' | 'preference' }): MemoryEntryView {
    return this.get(this.memory.add({ content: input.content, kind: input.kind ?? 'fact' }).id);
  }

  update(input: { id: number; content: string; kind?: 'fact' | 'preference' }): MemoryEntryView {
    const current = this.get(input.id);
    this.memory.update(input.id, { content: input.content, kind: input.kind ?? current.kind });
    return this.get(input.id);
  }

  remove(id: number): { removed: boolean } {
    if (this.memory.get(id) === undefined) return { removed: false };
    this.memory.remove(id);
    return { removed: true };
  }
}

function toView(entry: MemoryEntry & { runQuestion: string | null }): MemoryEntryView {
  return {
    id: entry.id,
    kind: entry.kind,
    content: entry.content,
    runId: entry.runId,
    runQuestion: entry.runQuestion,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}
