import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readDatasetFile } from '../../../electron/core/datasets/dataset-format.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { harvestUserTasks } from '../../../electron/core/datasets/user-tasks.ts';
import { shippedBenchmarksDir } from '../../../electron/core/eval/benchmark-catalog.ts';
import { InflowError } from '../../../electron/core/errors.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunHistory } from '../../../electron/core/store/run-history.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { tempDir } from '../../support/temp-dir.ts';

const benchmarks = shippedBenchmarksDir;

test('a JSONL dataset is imported, split reproducibly into train and held-out, and read back', () => {
  const dir = tempDir();
  const file = path.join(dir, 'qa.jsonl');
  const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ question: `What is ${i} + 1?`, answer: i + 1, answer_kind: 'numeric' }));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const items = readDatasetFile(file);
  assert.equal(items.length, 10);
  assert.deepEqual(items[3], { question: 'What is 3 + 1?', answer: 4, answerKind: 'numeric', meta: {} });

  const db = openDatabase(path.join(dir, 'a.db'));
  const store = new DatasetStore(db);
  const dataset = store.create(items, { name: 'sums', source: file, heldOutFraction: 0.3 });
  assert.deepEqual(dataset.counts, { train: 7, heldout: 3 });
  const heldOut = store.items(dataset.id, 'heldout').map((i) => i.idx);
  const db2 = openDatabase(path.join(dir, 'b.db'));
  const again = new DatasetStore(db2).create(items, { name: 'sums', heldOutFraction: 0.3 });
  assert.deepEqual(
    new DatasetStore(db2).items(again.id, 'heldout').map((i) => i.idx),
    heldOut,
    'same seed, same split',
  );
  assert.equal(store.get('sums').id, dataset.id);
  assert.throws(
    () => store.create(items, { name: 'sums' }),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'DATASET_EXISTS',
  );
  db.close();
  db2.close();
});

test('a malformed line is refused naming the line, and nothing is stored', () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.jsonl');
  fs.writeFileSync(file, '{"question": "a", "answer": "b"}\n{"question": "c"}\n');
  assert.throws(
    () => readDatasetFile(file),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'DATASET_INVALID' && /line 2/.test(e.message) && /answer/.test(e.message),
  );
  fs.writeFileSync(file, '{"question": "a", "answer": "b", "answer_kind": "vibes"}\n');
  assert.throws(
    () => readDatasetFile(file),
    (e: unknown) => InflowError.isInstance(e) && /unknown answer kind/.test(e.message) && /exact, normalized/.test(e.hint ?? ''),
  );
  assert.throws(
    () => readDatasetFile(path.join(dir, 'missing.json')),
    (e: unknown) => InflowError.isInstance(e) && e.code === 'DATASET_NOT_FOUND',
  );
});

test('benchmark files are recognised with their answer kinds', () => {
  const game = readDatasetFile(path.join(benchmarks, 'gameof24.json'));
  assert.equal(game.length, 300);
  assert.equal(game[0]?.answerKind, 'gameof24');
  assert.match(game[0]?.question ?? '', /equals 24/);
  assert.deepEqual(game[0]?.meta?.numbers, [1, 1, 1, 8]);
  assert.equal(readDatasetFile(path.join(benchmarks, 'aime24.json'))[0]?.answerKind, 'numeric');
  assert.equal(readDatasetFile(path.join(benchmarks, 'medqa.json'))[0]?.answerKind, 'choice');
  const bamboogle = readDatasetFile(path.join(benchmarks, 'bamboogle.json'));
  assert.deepEqual(bamboogle[0]?.answer, ['james madison']);
});

test('past user tasks with a checkable answer or a thumbs-up become items; thumbs-down alone is skipped', () => {
  const db = openDatabase(path.join(tempDir(), 'u.db'));
  const runs = new RunStore(db);
  runs.createTask({ question: 'What is 6 times 7?', expectedAnswer: 42, answerKind: 'numeric' });
  const liked = runs.createTask({ question: 'Capital of France?' });
  const run = runs.startRun({ taskId: liked.id });
  runs.endRun(run.id, { stopReason: 'answered', answer: 'Paris' });
  db.prepare('INSERT INTO feedback (run_id, rating, created_at) VALUES (?, 1, ?)').run(run.id, Date.now());
  const disliked = runs.createTask({ question: 'Capital of Spain?' });
  const bad = runs.startRun({ taskId: disliked.id });
  runs.endRun(bad.id, { stopReason: 'answered', answer: 'Lisbon' });
  db.prepare('INSERT INTO feedback (run_id, rating, created_at) VALUES (?, -1, ?)').run(bad.id, Date.now());
  runs.createTask({ question: 'rollout copy', expectedAnswer: 'x', source: 'training' });
  const harvest = harvestUserTasks(new RunHistory(db));
  assert.equal(harvest.skipped, 1);
  assert.deepEqual(
    harvest.items.map((i) => [i.question, i.answer, i.answerKind]),
    [
      ['What is 6 times 7?', 42, 'numeric'],
      ['Capital of France?', 'Paris', 'judge'],
    ],
  );
  db.close();
});

test('items that name their split keep it; the held-out share applies to the others', () => {
  const items = readDatasetFileFromText([
    { question: 'a', answer: '1', split: 'train' },
    { question: 'b', answer: '2', split: 'test' },
    { question: 'c', answer: '3', split: 'heldout' },
    { question: 'd', answer: '4' },
    { question: 'e', answer: '5' },
  ]);
  const db = openDatabase(path.join(tempDir(), 's.db'));
  const store = new DatasetStore(db);
  const dataset = store.create(items, { name: 'fixed', heldOutFraction: 0.5 });
  const heldOut = store.items(dataset.id, 'heldout').map((i) => i.question);
  assert.ok(heldOut.includes('b') && heldOut.includes('c') && !heldOut.includes('a'));
  assert.equal(heldOut.length, 3, 'one of the two free items is held out');
  db.close();
});

function readDatasetFileFromText(records: unknown[]) {
  const file = path.join(tempDir(), 'split.jsonl');
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
  return readDatasetFile(file);
}

test('items that can never score are refused at import naming each, or left out and listed when asked', () => {
  const file = path.join(tempDir(), 'mixed.jsonl');
  const items = [
    { question: 'Using the numbers [4, 7, 8, 8], make 24.', answer: '(7-8/8)*4', answer_kind: 'gameof24' },
    { question: 'Make 24 from the numbers on the card.', answer: 'see card', answer_kind: 'gameof24' },
    { question: 'Using the numbers [1, 1, 1, 1], make 24.', answer: 'none', answer_kind: 'gameof24' },
    { question: 'How many legs has a spider?', answer: 'eight-ish', answer_kind: 'numeric' },
    { question: 'Which colour?', answer: 'Green', answer_kind: 'choice' },
    { question: 'Which?\nA. Red\nB. Green', answer: 'Blue', answer_kind: 'choice' },
    { question: 'How many legs has a spider?', answer: 8, answer_kind: 'numeric' },
    { question: 'Which colour?', answer: 'B', options: ['A. Red', 'B. Green'] },
  ];
  fs.writeFileSync(file, items.map((item) => JSON.stringify(item)).join('\n'));
  assert.throws(
    () => readDatasetFile(file),
    (e: unknown) =>
      InflowError.isInstance(e) &&
      e.code === 'DATASET_INVALID' &&
      /5 of 8 items can never score/.test(e.message) &&
      /line 2 .*four numbers cannot be read/.test(e.message) &&
      /line 3 .*\[1, 1, 1, 1\] makes 24/.test(e.message) &&
      /line 4 .*not a number/.test(e.message) &&
      /line 5 .*no options/.test(e.message) &&
      /line 6 .*names none of its options/.test(e.message) &&
      /--skip-unscorable/.test(e.hint ?? ''),
  );
  let leftOut: string[] = [];
  const kept = readDatasetFile(file, {
    onUnscorable: (unscorable) => {
      leftOut = unscorable.map((item) => item.where);
    },
  });
  assert.deepEqual(leftOut, ['line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
  assert.deepEqual(
    kept.map((item) => item.answerKind),
    ['gameof24', 'numeric', 'choice'],
  );
  assert.deepEqual(kept[2]?.meta?.choices, ['A. Red', 'B. Green'], 'an options list is kept for the choice scorer');
});
