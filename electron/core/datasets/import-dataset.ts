import path from 'node:path';
import type { AnswerKind } from '../scoring/answer-kind.ts';
import { readDatasetFile, type UnscorableItem } from './dataset-format.ts';
import type { DatasetRecord, DatasetStore } from './dataset-store.ts';

export interface ImportDatasetInput {
  /** A JSON array or JSONL file of questions and answers. */
  file: string;
  /** Default: the file's name without .json/.jsonl. */
  name?: string | undefined;
  heldOutFraction?: number | undefined;
  seed?: number | undefined;
  /** The answer kind of every item (default: each item's own, else the benchmark's, else inferred). */
  answerKind?: AnswerKind | undefined;
  /** Import the items that can score and return the others; without it one unscorable item refuses the whole file. */
  skipUnscorable?: boolean | undefined;
}

/**
 * The one way a dataset file is imported, by the Training screen (api/training-service.ts) and `inflow datasets
 * import`: read and checked (dataset-format.ts), named after the file unless named, stored with its absolute path as
 * source and split once into train and held-out (dataset-store.ts).
 */
export function importDataset(store: DatasetStore, input: ImportDatasetInput): { record: DatasetRecord; leftOut: UnscorableItem[] } {
  let leftOut: UnscorableItem[] = [];
  // read as named (its messages name the file as the user gave it), stored with its absolute path
  const items = readDatasetFile(input.file, {
    ...(input.answerKind === undefined ? {} : { answerKind: input.answerKind }),
    ...(input.skipUnscorable === true
      ? {
          onUnscorable: (unscorable: UnscorableItem[]) => {
            leftOut = unscorable;
          },
        }
      : {}),
  });
  const record = store.create(items, {
    name: input.name ?? path.basename(input.file).replace(/\.jsonl?$/i, ''),
    source: path.resolve(input.file),
    ...(input.heldOutFraction === undefined ? {} : { heldOutFraction: input.heldOutFraction }),
    ...(input.seed === undefined ? {} : { seed: input.seed }),
  });
  return { record, leftOut };
}
