import fs from 'node:fs';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { acceptedAnswers } from '../../scoring/answer-kind.ts';
import type { DatasetItem } from '../../datasets/dataset-store.ts';

/** One row of the reference's training data (lupantech/AgentFlow `data/get_train_data.py`). */
export interface AgentflowRow {
  id: bigint;
  question: string;
  /** A placeholder the reference fills during inference; always "". */
  chain: string;
  /** Accepted answers joined with "; ", as the reference's `process_golden_answers`. */
  result: string;
  source: string;
  extra_info: { ground_truth: string; idx: bigint };
}

const text = (name: string) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const });

/**
 * The Parquet schema pandas/pyarrow write for the reference's rows (`Dataset.to_parquet`): every column
 * optional; id int64; question, chain, result, source strings; extra_info a struct {ground_truth string, idx int64}.
 */
export const agentflowSchema = [
  { name: 'schema', num_children: 6 },
  { name: 'id', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
  text('question'),
  text('chain'),
  text('result'),
  text('source'),
  { name: 'extra_info', repetition_type: 'OPTIONAL' as const, num_children: 2 },
  text('ground_truth'),
  { name: 'idx', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
];

/** Rows for dataset items, ids 0..n-1 in order (the reference re-indexes after shuffling); idx keeps Inflow's item index. */
export function agentflowRows(items: readonly DatasetItem[], source: string): AgentflowRow[] {
  return items.map((item, index) => {
    const result = acceptedAnswers(item.answer).join('; ');
    return { id: BigInt(index), question: item.question, chain: '', result, source, extra_info: { ground_truth: result, idx: BigInt(item.idx) } };
  });
}

/** Writes rows as a Parquet file the reference's trainer reads with `data.train_files` / `data.val_files`. */
export function writeAgentflowParquet(file: string, rows: readonly AgentflowRow[]): void {
  const column = <K extends keyof AgentflowRow>(name: K) => ({ name, data: rows.map((row) => row[name]) });
  const buffer = parquetWriteBuffer({
    schema: agentflowSchema,
    columnData: [column('id'), column('question'), column('chain'), column('result'), column('source'), column('extra_info')],
    kvMetadata: [{ key: 'writer', value: 'inflow train export --for agentflow' }],
  });
  fs.writeFileSync(file, new Uint8Array(buffer));
}
