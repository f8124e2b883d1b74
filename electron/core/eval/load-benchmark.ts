import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InflowError } from '../errors.ts';
import { acceptedAnswers, inferAnswerKind, isAnswerKind, type AnswerKind } from '../scoring/answer-kind.ts';
import { parseGameOf24Numbers } from '../scoring/game-of-24.ts';
import { benchmarkCatalog, findBenchmark, resolveBenchmarksDir, type BenchmarkInfo } from './benchmark-catalog.ts';

/** One question of a benchmark, identified by its position in the file (ids repeat in some sets). */
export interface EvalItem {
  position: number;
  /** What the agent is asked: `query`, else `question`. */
  question: string;
  /** The question for the judge, without an appended answer-format instruction. */
  plainQuestion: string;
  /** The accepted answers, as strings. */
  expected: string[];
  answerKind: AnswerKind;
  /** e.g. "Level 2" for GAIA; null when the set has no categories. */
  category: string | null;
  choices?: string[];
  numbers?: number[];
}

export interface Benchmark {
  /** Catalog name, or the file's base name. */
  name: string;
  file: string;
  /** sha256 of the file's bytes. */
  hash: string;
  info: BenchmarkInfo | null;
  items: EvalItem[];
}

const ANSWER_INSTRUCTION = /\s*When ready, output the final answer enclosed in <answer> and <\/answer> tags\.[^]*$/i;

function parseRecords(file: string, text: string): unknown[] {
  if (file.toLowerCase().endsWith('.jsonl')) {
    return text.split('\n').flatMap((line, index) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch (error) {
        throw new InflowError('BENCHMARK_MALFORMED', `${file}: line ${index + 1} is not valid JSON (${(error as Error).message}).`, {
          hint: 'A JSONL benchmark has one JSON object per line, e.g. {"question": "...", "answer": "..."}.',
        });
      }
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InflowError('BENCHMARK_MALFORMED', `${file} is not valid JSON (${(error as Error).message}).`, {
      hint: 'Give a JSON array of {"question": "...", "answer": "..."} objects, or a .jsonl file with one object per line.',
    });
  }
  const list = Array.isArray(data)
    ? data
    : ((data as { items?: unknown; data?: unknown } | null)?.items ?? (data as { data?: unknown } | null)?.data);
  if (!Array.isArray(list)) {
    throw new InflowError('BENCHMARK_MALFORMED', `${file} holds no list of items (expected a JSON array).`, {
      hint: 'Give a JSON array of {"question": "...", "answer": "..."} objects, or a .jsonl file with one object per line.',
    });
  }
  return list;
}

function toItem(record: unknown, position: number, file: string, info: BenchmarkInfo | null): EvalItem {
  const where = `${file}: item ${position} (counting from 0)`;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new InflowError('BENCHMARK_INVALID', `${where} is not an object.`, {
      hint: 'Each item must be an object with "question" (or "query") and "answer".',
    });
  }
  const item = record as Record<string, unknown>;
  const question = [item.query, item.question, item.Question].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (question === undefined) {
    throw new InflowError('BENCHMARK_INVALID', `${where} has no question.`, {
      hint: 'Give the question as a non-empty "query" or "question" string.',
    });
  }
  const answer = item.answer ?? item.answers ?? item['Final answer'];
  const expected = acceptedAnswers(answer);
  if (expected.length === 0) {
    throw new InflowError('BENCHMARK_INVALID', `${where} has no answer.`, {
      hint: 'Give "answer" as a non-empty string, a number, or a list of accepted answers.',
    });
  }
  const declared = item.answer_kind ?? item.answerKind;
  if (declared !== undefined && !isAnswerKind(declared)) {
    throw new InflowError('BENCHMARK_INVALID', `${where} has an unknown answer_kind ${JSON.stringify(declared)}.`, {
      hint: 'Use exact, normalized, numeric, choice, gameof24 or judge (or leave it out to infer it).',
    });
  }
  const answerKind = inferAnswerKind({ ...item, answer });
  const choices = [item.options, item.choices].find((v): v is string[] => Array.isArray(v) && v.every((c) => typeof c === 'string'));
  const numbers = answerKind === 'gameof24' ? (parseGameOf24Numbers(item.question) ?? parseGameOf24Numbers(question)) : null;
  const field =
    info?.categoryField ?? ['category', 'Level', 'level'].find((key) => item[key] !== undefined && item[key] !== null && item[key] !== '');
  const value = field === undefined ? undefined : item[field];
  const category =
    value === undefined || value === null || value === '' ? null : /^level$/i.test(field ?? '') ? `Level ${String(value)}` : String(value);
  return {
    position,
    question,
    plainQuestion: question.replace(ANSWER_INSTRUCTION, '').trim(),
    expected,
    answerKind,
    category,
    ...(choices === undefined ? {} : { choices }),
    ...(numbers === null ? {} : { numbers }),
  };
}

function resolveFile(nameOrFile: string, benchmarksDir: string): { file: string; info: BenchmarkInfo | null } {
  const info = findBenchmark(nameOrFile);
  const looksLikeFile = /[\\/]|\.jsonl?$/i.test(nameOrFile);
  if (info !== undefined && !looksLikeFile) {
    const file = path.join(benchmarksDir, info.file);
    if (!fs.existsSync(file)) {
      throw new InflowError('BENCHMARK_NOT_FOUND', `The benchmark "${info.name}" is not at ${file}.`, {
        hint: 'Point --benchmarks-dir (or INFLOW_BENCHMARKS_DIR) at the folder with the benchmark JSON files, or pass a file path.',
      });
    }
    return { file, info };
  }
  if (fs.existsSync(nameOrFile) && fs.statSync(nameOrFile).isFile()) return { file: path.resolve(nameOrFile), info: null };
  if (looksLikeFile) {
    throw new InflowError('BENCHMARK_NOT_FOUND', `The benchmark file ${path.resolve(nameOrFile)} does not exist.`, { hint: 'Check the path.' });
  }
  throw new InflowError('UNKNOWN_BENCHMARK', `Unknown benchmark "${nameOrFile}".`, {
    hint: `Use one of ${benchmarkCatalog.map((b) => b.name).join(', ')}, or the path of a JSON/JSONL file with question and answer fields.`,
  });
}

/**
 * Loads a benchmark by catalog name (from the benchmarks folder) or from any JSON array / JSONL file whose
 * items have `query` or `question` and `answer`. Every item is checked up front, so a bad file fails before
 * any model runs, with an error naming the file and the item.
 */
export function loadBenchmark(nameOrFile: string, options: { benchmarksDir?: string } = {}): Benchmark {
  const { file, info } = resolveFile(nameOrFile, resolveBenchmarksDir(options.benchmarksDir));
  const bytes = fs.readFileSync(file);
  const records = parseRecords(file, bytes.toString('utf8').replace(/^\uFEFF/, ''));
  if (records.length === 0)
    throw new InflowError('BENCHMARK_INVALID', `${file} has no items.`, { hint: 'Add at least one {"question", "answer"} item.' });
  return {
    name: info?.name ?? path.basename(file).replace(/\.jsonl?$/i, ''),
    file,
    hash: crypto.createHash('sha256').update(bytes).digest('hex'),
    info,
    items: records.map((record, position) => toItem(record, position, file, info)),
  };
}
