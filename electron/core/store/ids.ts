import { randomUUID } from 'node:crypto';

/** Sortable, readable ids: a prefix, the time in base36, and randomness (e.g. `run_lx3k2a_8f3c21d0`). */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomUUID().slice(0, 8)}`;
}
