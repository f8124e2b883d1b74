import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';

import { answerKinds, inferAnswerKind, isAnswerKind, type AnswerKind } from '../scoring/answer-kind.ts';
import { unscorableReason } from './item-scorability.ts';

export type { AnswerKind };

/** One question with its reference answer, as imported; `answer` is a string, a number or a list of accepted strings. */
export interface DatasetItemInput {
  question: string;
  answer: string | number | string[];
  answerKind: AnswerKind;
  meta?: Record<string, unknown>;
  /** A split the file fixes for this item (field "split": "train" | "heldout"); otherwise the import draws one. */
  split?: 'train' | 'heldout';
}

/** The answer kind of each benchmark file shipped in resources/benchmarks (see its README). */
const benchmarkKinds: Record<string, AnswerKind> = {
  aime24: 'numeric',
  amc23: 'numeric',
  gameof24: 'gameof24',
  medqa: 'choice',
  bamboogle: 'normalized',
  '2wiki': 'normalized',
  hotpotqa: 'normalized',
  musique: 'normalized',
  gaia: 'normalized',
};

/**
 * Reads a Q&A dataset: a JSON array or JSONL, one object per item with `question` (or `query`), `answer`
 * (or `result` / `final_answer` / `ground_truth`) and an optional `answer_kind`/`kind`. Benchmark files in the
 * resources/benchmarks format are recognised by name and get their kind; other items without a kind get the one
 * their shape suggests (electron/core/scoring `inferAnswerKind`). Throws DATASET_INVALID naming the
 * line or item that is wrong.
 */
export function readDatasetFile(file: string, options: { answerKind?: AnswerKind } & UnscorableHandling = {}): DatasetItemInput[] {
  let text: string;
  // A pipe or device would block the read forever (a FIFO with no writer): only regular files are datasets.
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file);
  } catch {
    stat = undefined;
  } // missing or unreachable: the read below says so
  if (stat !== undefined && !stat.isFile()) {
    throw new InflowError('DATASET_INVALID', `${file} is not a regular file (a folder, pipe, socket or device).`, {
      hint: 'Pass the path of the .json or .jsonl file itself.',
    });
  }
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InflowError('DATASET_NOT_FOUND', `Cannot read the dataset file ${file}.`, {
      hint: 'Check the path; datasets are JSON arrays or JSONL files.',
      cause: error,
    });
  }
  const base = path
    .basename(file)
    .replace(/\.(jsonl|json)$/i, '')
    .toLowerCase();
  const fallbackKind = options.answerKind ?? benchmarkKinds[base];
  return parseDatasetText(text, {
    source: file,
    ...(fallbackKind === undefined ? {} : { answerKind: fallbackKind }),
    forceKind: options.answerKind !== undefined,
    ...(options.onUnscorable === undefined ? {} : { onUnscorable: options.onUnscorable }),
  });
}

/** An item left out because it can never score (item-scorability.ts): where it is, its question, and why. */
export interface UnscorableItem {
  where: string;
  question: string;
  reason: string;
}

/**
 * What to do with items that can never score. Without `onUnscorable` the whole import is refused
 * (DATASET_INVALID naming each item); with it, they are left out and reported to it.
 */
export interface UnscorableHandling {
  onUnscorable?: (items: UnscorableItem[]) => void;
}

/** How many refused items a message names before "and N more". */
const NAMED_IN_MESSAGE = 5;

/** Parses dataset text (JSON array or JSONL); `source` names the file in errors. */
export function parseDatasetText(
  text: string,
  options: { source: string; answerKind?: AnswerKind; forceKind?: boolean } & UnscorableHandling,
): DatasetItemInput[] {
  const records = splitRecords(text, options.source);
  if (records.length === 0) {
    throw new InflowError('DATASET_INVALID', `${options.source} holds no items.`, {
      hint: 'A dataset is a JSON array or JSONL of {"question": ..., "answer": ...} objects.',
    });
  }
  const items: DatasetItemInput[] = [];
  const unscorable: UnscorableItem[] = [];
  for (const { value, where } of records) {
    const item = toItem(value, `${options.source} ${where}`, options.answerKind, options.forceKind ?? false);
    const reason = unscorableReason(item);
    if (reason === null) items.push(item);
    else unscorable.push({ where, question: item.question, reason });
  }
  if (unscorable.length > 0 && options.onUnscorable === undefined) {
    const named = unscorable
      .slice(0, NAMED_IN_MESSAGE)
      .map((item) => `${item.where} ("${item.question.replace(/\s+/g, ' ').slice(0, 60)}"): ${item.reason}`);
    const more = unscorable.length > NAMED_IN_MESSAGE ? `; and ${unscorable.length - NAMED_IN_MESSAGE} more` : '';
    throw new InflowError(
      'DATASET_INVALID',
      `${options.source}: ${unscorable.length} of ${records.length} items can never score, so training could not learn from them: ${named.join('; ')}${more}.`,
      {
        hint: 'Fix those items, or import the others and leave these out (inflow datasets import FILE --skip-unscorable; in the app, tick "Leave out items that can never score").',
      },
    );
  }
  if (unscorable.length > 0) options.onUnscorable?.(unscorable);
  if (items.length === 0)
    throw new InflowError('DATASET_INVALID', `${options.source}: none of its items can be scored.`, { hint: 'Check the answers and answer kinds.' });
  return items;
}

function splitRecords(text: string, source: string): Array<{ value: unknown; where: string }> {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new InflowError('DATASET_INVALID', `${source} is not valid JSON (${(error as Error).message}).`, {
        hint: 'Fix the JSON, or write one object per line (JSONL).',
      });
    }
    return (parsed as unknown[]).map((value, index) => ({ value, where: `item ${index + 1}` }));
  }
  const records: Array<{ value: unknown; where: string }> = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      records.push({ value: JSON.parse(line), where: `line ${index + 1}` });
    } catch (error) {
      throw new InflowError('DATASET_INVALID', `${source} line ${index + 1} is not valid JSON (${(error as Error).message}).`, {
        hint: 'Each line of a JSONL dataset must be one object such as {"question": "...", "answer": "..."}.',
      });
    }
  });
  return records;
}

function toItem(value: unknown, where: string, fallbackKind: AnswerKind | undefined, forceKind: boolean): DatasetItemInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InflowError('DATASET_INVALID', `${where} is not an object.`, { hint: 'Each item must be an object with "question" and "answer".' });
  }
  const record = value as Record<string, unknown>;
  const question = typeof record.query === 'string' && record.query.trim() !== '' ? record.query : record.question;
  if (typeof question !== 'string' || question.trim() === '') {
    throw new InflowError('DATASET_INVALID', `${where} has no "question" text.`, {
      hint: 'Add a non-empty "question" (or "query") string to every item.',
    });
  }
  const rawAnswer = record.answer ?? record.result ?? record.final_answer ?? record.ground_truth;
  const answer = normaliseAnswer(rawAnswer);
  if (answer === undefined) {
    throw new InflowError('DATASET_INVALID', `${where} has no usable "answer" (a string, a number or a list of strings).`, {
      hint: 'Add the reference answer as "answer"; several accepted answers go in a list.',
    });
  }
  const declared = record.answer_kind ?? record.answerKind ?? record.kind;
  let answerKind = fallbackKind ?? inferAnswerKind(record);
  if (!forceKind && declared !== undefined) {
    if (!isAnswerKind(declared)) {
      throw new InflowError('DATASET_INVALID', `${where} has an unknown answer kind ${JSON.stringify(declared)}.`, {
        hint: `Use one of: ${answerKinds.join(', ')}.`,
      });
    }
    answerKind = declared;
  }
  const meta: Record<string, unknown> = {};
  for (const key of ['pid', 'idx', 'id', 'source', 'level', 'Level']) if (record[key] !== undefined) meta[key] = record[key];
  if (Array.isArray(record.question) && record.question.every((n) => typeof n === 'number')) meta.numbers = record.question;
  const options = record.options ?? record.choices;
  if (Array.isArray(options) && options.length > 1 && options.every((o) => typeof o === 'string')) meta.choices = options;
  const split =
    record.split === 'test' || record.split === 'heldout' || record.split === 'held-out' ? 'heldout' : record.split === 'train' ? 'train' : undefined;
  return { question: question.trim(), answer, answerKind, meta, ...(split === undefined ? {} : { split }) };
}

function normaliseAnswer(value: unknown): string | number | string[] | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.map((v) => String(v).trim());
  }
  return undefined;
}
