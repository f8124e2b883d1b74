/**
 * A corpus of broken inputs for the fault and bad-input tests, generated on demand into temporary folders:
 * models llama.cpp would crash on or hang reading, broken dataset files and damaged databases (a full disk and
 * a read-only folder: test/support/full-disk.ts). Each entry names what is wrong with it and the exit code and
 * message a user gets, so a failing test says which case broke.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { gguf, GGUF_MAGIC, GgufType, type GgufValue } from '../../electron/core/gguf/gguf-format.ts';
import { writeGgufFile } from '../../electron/core/gguf/gguf-writer.ts';
import { buildTestModel } from './gguf/test-model-builder.ts';
import { tempDir } from './temp-dir.ts';
import { testModelPath, vocabDir } from './test-model.ts';

/** The default test model with some header entries replaced. */
function withMetadata(file: string, replace: Record<string, GgufValue>): void {
  const built = buildTestModel({}, vocabDir());
  writeGgufFile(file, { metadata: built.metadata.map(([key, value]) => [key, replace[key] ?? value]), tensors: built.tensors });
}

/** A real model with no layers at all: embeddings and output only, block_count 0. */
function zeroLayerModel(file: string): void {
  const built = buildTestModel({ nLayer: 1 }, vocabDir());
  writeGgufFile(file, {
    metadata: built.metadata.map(([key, value]) => [key, key === 'qwen2.block_count' ? gguf.u32(0) : value]),
    tensors: built.tensors.filter((tensor) => !tensor.name.startsWith('blk.')),
  });
}

/** A GGUF v3 header whose one metadata entry claims an array of 2^32 uint8 items, followed by a few bytes. */
function hugeArrayModel(file: string): void {
  const key = Buffer.from('tokenizer.ggml.scores');
  const header = Buffer.alloc(4 + 4 + 8 + 8 + 8 + key.length + 4 + 4 + 8 + 64);
  let at = header.writeUInt32LE(GGUF_MAGIC, 0);
  at = header.writeUInt32LE(3, at);
  at = header.writeBigUInt64LE(0n, at); // tensors
  at = header.writeBigUInt64LE(1n, at); // metadata entries
  at = header.writeBigUInt64LE(BigInt(key.length), at);
  at += key.copy(header, at);
  at = header.writeUInt32LE(GgufType.array, at);
  at = header.writeUInt32LE(GgufType.uint8, at);
  header.writeBigUInt64LE(2n ** 32n, at);
  fs.writeFileSync(file, header);
}

/** The test model with its version field set to `version`. */
function withVersion(file: string, version: number): void {
  const bytes = Buffer.from(fs.readFileSync(testModelPath()));
  bytes.writeUInt32LE(version, 4);
  fs.writeFileSync(file, bytes);
}

export interface BrokenModel {
  name: string;
  file: string;
  /** The CLI exit code a user gets for it (README table). */
  exitCode: number;
  /** What the error message must say. */
  message: RegExp;
}

/** Every broken model of the corpus, written into a fresh folder (removed when the test file ends). */
export function brokenModels(): BrokenModel[] {
  const dir = tempDir('inflow-broken-models-');
  const at = (name: string) => path.join(dir, name);
  withMetadata(at('block-count-0.gguf'), { 'qwen2.block_count': gguf.u32(0) });
  withMetadata(at('head-count-0.gguf'), { 'qwen2.attention.head_count': gguf.u32(0) });
  withMetadata(at('head-count-kv-0.gguf'), { 'qwen2.attention.head_count_kv': gguf.u32(0) });
  withMetadata(at('embedding-length-0.gguf'), { 'qwen2.embedding_length': gguf.u32(0) });
  withMetadata(at('block-count-huge.gguf'), { 'qwen2.block_count': gguf.u32(100_000) });
  withMetadata(at('rope-dimension-0.gguf'), { 'qwen2.rope.dimension_count': gguf.u32(0) });
  withMetadata(at('feed-forward-0.gguf'), { 'qwen2.feed_forward_length': gguf.u32(0) });
  zeroLayerModel(at('zero-layers.gguf'));
  hugeArrayModel(at('array-2pow32.gguf'));
  withVersion(at('gguf-v1.gguf'), 1);
  withVersion(at('gguf-v99.gguf'), 99);
  fs.symlinkSync(at('loop-b.gguf'), at('loop-a.gguf'));
  fs.symlinkSync(at('loop-a.gguf'), at('loop-b.gguf'));
  const models: BrokenModel[] = [
    { name: 'block_count = 0', file: at('block-count-0.gguf'), exitCode: 4, message: /block_count.*0|no layers/i },
    { name: 'head_count = 0', file: at('head-count-0.gguf'), exitCode: 4, message: /head_count/ },
    { name: 'head_count_kv = 0', file: at('head-count-kv-0.gguf'), exitCode: 4, message: /head_count_kv/ },
    { name: 'embedding_length = 0', file: at('embedding-length-0.gguf'), exitCode: 4, message: /embedding_length/ },
    { name: 'block_count = 100000', file: at('block-count-huge.gguf'), exitCode: 4, message: /block_count/ },
    // Not caught by the header checks: llama.cpp aborts on these, in the throwaway process that tries them first.
    { name: 'rope.dimension_count = 0', file: at('rope-dimension-0.gguf'), exitCode: 4, message: /crashed.*n_rot/ },
    { name: 'feed_forward_length = 0', file: at('feed-forward-0.gguf'), exitCode: 4, message: /crashed/ },
    { name: 'a real 0-layer model', file: at('zero-layers.gguf'), exitCode: 4, message: /block_count.*0|no layers/i },
    { name: 'a metadata array of 2^32 items', file: at('array-2pow32.gguf'), exitCode: 4, message: /array.*4294967296|4294967296.*array/ },
    { name: 'GGUF version 1', file: at('gguf-v1.gguf'), exitCode: 4, message: /version 1\b/ },
    { name: 'GGUF version 99', file: at('gguf-v99.gguf'), exitCode: 4, message: /version 99/ },
    { name: 'a symbolic link loop', file: at('loop-a.gguf'), exitCode: 4, message: /symbolic link/i },
  ];
  if (process.platform !== 'win32') {
    execFileSync('mkfifo', [at('fifo.gguf')]);
    models.push({ name: 'a FIFO', file: at('fifo.gguf'), exitCode: 4, message: /not a regular file/ });
  }
  return models;
}

export interface BrokenFile {
  name: string;
  file: string;
  exitCode: number;
  message: RegExp;
}

/** Broken dataset files for `inflow datasets import`, written into a fresh folder. */
export function brokenDatasets(): BrokenFile[] {
  const dir = tempDir('inflow-broken-datasets-');
  const at = (name: string, content?: string | Buffer) => {
    const file = path.join(dir, name);
    if (content !== undefined) fs.writeFileSync(file, content);
    return file;
  };
  const datasets: BrokenFile[] = [
    { name: 'an empty file', file: at('empty.jsonl', ''), exitCode: 4, message: /holds no items/ },
    {
      name: 'a JSONL line that is not JSON',
      file: at('bad-line.jsonl', '{"question":"a","answer":"b"}\n{broken\n'),
      exitCode: 4,
      message: /line 2 is not valid JSON/,
    },
    {
      name: 'binary garbage',
      file: at('binary.json', Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 7919) % 256))),
      exitCode: 4,
      message: /not valid JSON/,
    },
    { name: 'an item without an answer', file: at('no-answer.json', '[{"question":"a"}]'), exitCode: 4, message: /no usable "answer"/ },
    {
      name: 'a question that is not text',
      file: at('number-question.jsonl', '{"question": 5, "answer": "x"}\n'),
      exitCode: 4,
      message: /no "question" text/,
    },
    { name: 'a folder', file: at('folder.json'), exitCode: 4, message: /not a regular file/ },
  ];
  fs.mkdirSync(path.join(dir, 'folder.json'));
  if (process.platform !== 'win32') {
    execFileSync('mkfifo', [at('pipe.jsonl')]);
    datasets.push({ name: 'a FIFO', file: at('pipe.jsonl'), exitCode: 4, message: /not a regular file/ });
  }
  return datasets;
}

/** Damaged data folders: each gets its database written in a broken way; `dataDir` is made for the case. */
export function brokenDatabases(): Array<BrokenFile & { dataDir: string }> {
  const cases: Array<BrokenFile & { dataDir: string }> = [];
  const garbage = tempDir('inflow-broken-db-');
  fs.writeFileSync(path.join(garbage, 'inflow.db'), 'this is not a database\n'.repeat(100));
  cases.push({
    name: 'a file that is not SQLite',
    dataDir: garbage,
    file: path.join(garbage, 'inflow.db'),
    exitCode: 4,
    message: /not an Inflow database or is damaged/,
  });
  const future = tempDir('inflow-broken-db-');
  const db = new Database(path.join(future, 'inflow.db'));
  db.pragma('user_version = 99999');
  db.close();
  cases.push({ name: 'a database from a newer Inflow', dataDir: future, file: path.join(future, 'inflow.db'), exitCode: 4, message: /newer Inflow/ });
  const truncated = tempDir('inflow-broken-db-');
  const good = new Database(path.join(truncated, 'inflow.db'));
  good.exec('CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000));');
  good.close();
  const bytes = fs.readFileSync(path.join(truncated, 'inflow.db'));
  fs.writeFileSync(path.join(truncated, 'inflow.db'), bytes.subarray(0, 4096 + 512));
  cases.push({ name: 'a truncated database', dataDir: truncated, file: path.join(truncated, 'inflow.db'), exitCode: 4, message: /damaged/ });
  return cases;
}
