import type { Database } from '../store/database.ts';
import { InflowError } from '../errors.ts';
import { newId } from '../store/ids.ts';
import { seededShuffle } from '../training/seeded-random.ts';
import type { AnswerKind, DatasetItemInput } from './dataset-format.ts';

export type DatasetSplit = 'train' | 'heldout';

export interface DatasetRecord {
  id: string;
  name: string;
  source: string | null;
  createdAt: number;
  meta: Record<string, unknown>;
  counts: { train: number; heldout: number };
}

export interface DatasetItem {
  id: number;
  datasetId: string;
  idx: number;
  split: DatasetSplit;
  question: string;
  answer: string | number | string[];
  answerKind: AnswerKind;
  meta: Record<string, unknown>;
}

export interface ImportOptions {
  name: string;
  source?: string;
  /** Share of items held out for evaluating candidate adapters (default 0.2, at least one item each side when possible);
   * items that name their split keep it and the share applies to the others. */
  heldOutFraction?: number;
  /** Seed of the split (default 42, as the reference's shuffle). */
  seed?: number;
  meta?: Record<string, unknown>;
}

/**
 * Training datasets in SQLite (tables datasets, dataset_items): imported Q&A files, benchmarks and the user's
 * own rewarded tasks, each split once into train and held-out so every evaluation of a candidate adapter uses
 * the same questions.
 */
export class DatasetStore {
  readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** How many datasets there are. */
  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM datasets').get() as { n: number }).n;
  }

  /** Stores items under a new dataset name, split train/held-out by a seeded shuffle; all or nothing. */
  create(items: readonly DatasetItemInput[], options: ImportOptions): DatasetRecord {
    if (items.length === 0)
      throw new InflowError('DATASET_INVALID', `Dataset "${options.name}" has no items.`, { hint: 'Import a file with at least one question.' });
    if (this.find(options.name) !== undefined) {
      throw new InflowError('DATASET_EXISTS', `A dataset named "${options.name}" already exists.`, {
        hint: 'Choose another --name, or delete the old one with `inflow datasets delete`.',
      });
    }
    const fraction = options.heldOutFraction ?? 0.2;
    if (!(fraction >= 0 && fraction < 1)) {
      throw new InflowError('USAGE', `The held-out fraction must be in [0, 1), got ${fraction}.`, { hint: 'For example --heldout 0.2.' });
    }
    let heldOutCount = Math.round(items.length * fraction);
    if (fraction > 0 && items.length >= 2) heldOutCount = Math.min(items.length - 1, Math.max(1, heldOutCount));
    // Items whose file fixes their split keep it; the others are drawn by a seeded shuffle.
    const free = items.map((_, index) => index).filter((index) => items[index]!.split === undefined);
    const fixedHeldOut = items.flatMap((item, index) => (item.split === 'heldout' ? [index] : []));
    if (free.length < items.length) heldOutCount = Math.round(free.length * fraction);
    const order = seededShuffle(free, options.seed ?? 42);
    const heldOut = new Set([...fixedHeldOut, ...order.slice(0, heldOutCount)]);
    const id = newId('ds');
    const insertItem = this.db.prepare(`INSERT INTO dataset_items (dataset_id, idx, split, question, answer, answer_kind, meta)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO datasets (id, name, source, created_at, meta) VALUES (?, ?, ?, ?, ?)')
        .run(
          id,
          options.name,
          options.source ?? null,
          Date.now(),
          JSON.stringify({ ...options.meta, heldOutFraction: fraction, seed: options.seed ?? 42 }),
        );
      items.forEach((item, index) => {
        insertItem.run(
          id,
          index,
          heldOut.has(index) ? 'heldout' : 'train',
          item.question,
          JSON.stringify(item.answer),
          item.answerKind,
          JSON.stringify(item.meta ?? {}),
        );
      });
    })();
    return this.get(id);
  }

  find(idOrName: string): DatasetRecord | undefined {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ? OR name = ?').get(idOrName, idOrName) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : this.toRecord(row);
  }

  /** The dataset by id or name; throws DATASET_NOT_FOUND listing what exists. */
  get(idOrName: string): DatasetRecord {
    const found = this.find(idOrName);
    if (found !== undefined) return found;
    const names = this.list().map((d) => d.name);
    throw new InflowError('DATASET_NOT_FOUND', `No dataset "${idOrName}".`, {
      hint: names.length ? `Known datasets: ${names.join(', ')}.` : 'Import one with `inflow datasets import FILE`.',
    });
  }

  list(): DatasetRecord[] {
    return (this.db.prepare('SELECT * FROM datasets ORDER BY created_at, rowid').all() as Record<string, unknown>[]).map((row) => this.toRecord(row));
  }

  /** Items in their stored order, optionally of one split. */
  items(datasetId: string, split?: DatasetSplit): DatasetItem[] {
    const rows = (
      split === undefined
        ? this.db.prepare('SELECT * FROM dataset_items WHERE dataset_id = ? ORDER BY idx').all(datasetId)
        : this.db.prepare('SELECT * FROM dataset_items WHERE dataset_id = ? AND split = ? ORDER BY idx').all(datasetId, split)
    ) as Record<string, unknown>[];
    return rows.map(toItem);
  }

  item(id: number): DatasetItem | undefined {
    const row = this.db.prepare('SELECT * FROM dataset_items WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : toItem(row);
  }

  /** Deletes a dataset and its items; training runs keep their history (their dataset link becomes empty). */
  delete(idOrName: string): void {
    const dataset = this.get(idOrName);
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(dataset.id);
  }

  private toRecord(row: Record<string, unknown>): DatasetRecord {
    const counts = { train: 0, heldout: 0 };
    for (const c of this.db.prepare('SELECT split, COUNT(*) AS n FROM dataset_items WHERE dataset_id = ? GROUP BY split').all(row.id) as Array<{
      split: DatasetSplit;
      n: number;
    }>) {
      counts[c.split] = c.n;
    }
    return {
      id: row.id as string,
      name: row.name as string,
      source: row.source as string | null,
      createdAt: row.created_at as number,
      meta: JSON.parse(row.meta as string) as Record<string, unknown>,
      counts,
    };
  }
}

function toItem(row: Record<string, unknown>): DatasetItem {
  return {
    id: row.id as number,
    datasetId: row.dataset_id as string,
    idx: row.idx as number,
    split: row.split as DatasetSplit,
    question: row.question as string,
    answer: JSON.parse(row.answer as string) as DatasetItem['answer'],
    answerKind: (row.answer_kind ?? 'normalized') as AnswerKind,
    meta: JSON.parse(row.meta as string) as Record<string, unknown>,
  };
}
