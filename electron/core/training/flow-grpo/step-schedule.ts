import { seededShuffle } from '../seeded-random.ts';

/**
 * Which training items step `step` (1-based) uses: the train split walked in a seeded order, `perStep` at a time,
 * reshuffled each epoch. Pure, so a restarted run redoes a step with exactly the same tasks.
 */
export function itemsForStep<T>(items: readonly T[], step: number, perStep: number, seed: number): T[] {
  if (items.length === 0) return [];
  const count = Math.min(perStep, items.length);
  const result: T[] = [];
  for (let k = 0; k < count; k++) {
    const position = (step - 1) * count + k;
    const epoch = Math.floor(position / items.length);
    const order = seededShuffle(items, seed + epoch * 7919);
    result.push(order[position % items.length] as T);
  }
  return result;
}
