import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InflowError } from '../../../electron/core/errors.ts';
import { benchmarkCatalog, loadBenchmark } from '../../../electron/core/eval/index.ts';
import { tempDir } from '../../support/temp-dir.ts';

const rejects = (fn: () => unknown, code: string, ...patterns: RegExp[]) => {
  assert.throws(fn, (error: unknown) => {
    assert.ok(InflowError.isInstance(error), String(error));
    assert.equal(error.code, code);
    for (const pattern of patterns) assert.match(`${error.message}\n${error.hint ?? ''}`, pattern);
    return true;
  });
};

describe('loadBenchmark by name (the shipped resources/benchmarks)', () => {
  it('loads every catalog benchmark with a question and an answer kind per item', () => {
    const kinds: Record<string, string> = { aime24: 'numeric', amc23: 'numeric', gameof24: 'gameof24', medqa: 'choice' };
    for (const info of benchmarkCatalog) {
      const benchmark = loadBenchmark(info.name);
      assert.ok(benchmark.items.length >= 30, info.name);
      assert.match(benchmark.hash, /^[0-9a-f]{64}$/);
      for (const item of benchmark.items) assert.ok(item.question.length > 0 && item.expected.length > 0);
      if (kinds[info.name] !== undefined)
        assert.ok(
          benchmark.items.every((item) => item.answerKind === kinds[info.name]),
          info.name,
        );
    }
  });
  it('keys MedQA by position although its pids repeat, with options and the option text as answer', () => {
    const medqa = loadBenchmark('MedQA');
    assert.equal(medqa.items.length, 300);
    assert.deepEqual(
      medqa.items.map((item) => item.position),
      [...Array(300).keys()],
    );
    assert.equal(medqa.items[0]!.choices?.length, 4);
    assert.deepEqual(medqa.items[0]!.expected, ['Colorectal cancer']);
  });
  it('prefers query over question, strips the answer-tag instruction for the judge, and reads Game of 24 numbers', () => {
    const bamboogle = loadBenchmark('bamboogle').items[0]!;
    assert.match(bamboogle.question, /<answer>/);
    assert.equal(bamboogle.plainQuestion, 'Who was president of the United States in the year that Citibank was founded?');
    const g24 = loadBenchmark('game-of-24').items[0]!;
    assert.match(g24.question, /^Using the numbers \[1, 1, 1, 8\]/);
    assert.deepEqual(g24.numbers, [1, 1, 1, 8]);
  });
  it('splits GAIA by level', () => {
    const levels = new Set(loadBenchmark('gaia').items.map((item) => item.category));
    assert.deepEqual([...levels].sort(), ['Level 1', 'Level 2', 'Level 3']);
  });
});

describe('loadBenchmark from files and its errors', () => {
  const dir = tempDir();
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads a JSON array and a JSONL file with question/answer fields', () => {
    const json = loadBenchmark(
      write(
        'mine.json',
        JSON.stringify([
          { question: 'Capital of France?', answer: 'Paris' },
          { query: 'q2', question: 'ignored', answer: 2, category: 'easy' },
        ]),
      ),
    );
    assert.equal(json.name, 'mine');
    assert.equal(json.items[1]!.question, 'q2');
    assert.equal(json.items[1]!.answerKind, 'numeric');
    assert.equal(json.items[1]!.category, 'easy');
    const jsonl = loadBenchmark(
      write('lines.jsonl', '{"question":"a?","answer":["x","y"]}\n\n{"question":"b?","answer":"z","answer_kind":"judge"}\n'),
    );
    assert.deepEqual(
      jsonl.items.map((item) => [item.position, item.answerKind]),
      [
        [0, 'normalized'],
        [1, 'judge'],
      ],
    );
  });
  it('accepts a byte-order mark and boolean answers', () => {
    const bom = loadBenchmark(write('bom.json', `\uFEFF${JSON.stringify([{ question: 'Is water wet?', answer: true }])}`));
    assert.deepEqual(bom.items[0]!.expected, ['true']);
  });
  it('names the unknown benchmark and lists the known ones', () => {
    rejects(() => loadBenchmark('mmlu'), 'UNKNOWN_BENCHMARK', /"mmlu"/, /bamboogle, 2wiki/);
  });
  it('names a missing file and a catalog file missing from the benchmarks folder', () => {
    rejects(() => loadBenchmark(path.join(dir, 'nope.json')), 'BENCHMARK_NOT_FOUND', /nope\.json/);
    rejects(() => loadBenchmark('gaia', { benchmarksDir: dir }), 'BENCHMARK_NOT_FOUND', /gaia\.json/, /--benchmarks-dir/);
  });
  it('names the file of malformed JSON and the line of malformed JSONL', () => {
    rejects(() => loadBenchmark(write('bad.json', '[{"question": "a", ')), 'BENCHMARK_MALFORMED', /bad\.json is not valid JSON/);
    rejects(() => loadBenchmark(write('bad.jsonl', '{"question":"a","answer":"b"}\n{oops}\n')), 'BENCHMARK_MALFORMED', /bad\.jsonl: line 2/);
    rejects(() => loadBenchmark(write('object.json', '{"question":"a"}')), 'BENCHMARK_MALFORMED', /no list of items/);
  });
  it('names the item without an answer or question, or with an unknown kind', () => {
    rejects(
      () =>
        loadBenchmark(
          write(
            'noanswer.json',
            JSON.stringify([
              { question: 'a', answer: 'b' },
              { question: 'c', answer: '' },
            ]),
          ),
        ),
      'BENCHMARK_INVALID',
      /noanswer\.json: item 1 .*has no answer/,
    );
    rejects(() => loadBenchmark(write('noq.json', JSON.stringify([{ answer: 'b' }]))), 'BENCHMARK_INVALID', /item 0 .*has no question/);
    rejects(
      () => loadBenchmark(write('kind.json', JSON.stringify([{ question: 'a', answer: 'b', answer_kind: 'fuzzy' }]))),
      'BENCHMARK_INVALID',
      /unknown answer_kind "fuzzy"/,
    );
    rejects(() => loadBenchmark(write('empty.json', '[]')), 'BENCHMARK_INVALID', /has no items/);
  });
});
