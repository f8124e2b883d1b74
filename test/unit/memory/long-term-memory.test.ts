import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { LongTermMemory } from '../../../electron/core/memory/long-term-memory.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { tempDir } from '../../support/temp-dir.ts';

function setup() {
  const db = openDatabase(path.join(tempDir(), 'inflow.db'));
  return { memory: new LongTermMemory(db), runs: new RunStore(db) };
}

test('confirmed facts are stored with their run, found by search, and survive edits', () => {
  const { memory, runs } = setup();
  const run = runs.startRun({ taskId: runs.createTask({ question: 'Where do I live?' }).id });
  const fact = memory.add({ content: 'The user lives in Lyon, France.', runId: run.id });
  memory.add({ content: "The user's dog is called Pixel." });
  memory.add({ content: 'Answer in metric units.', kind: 'preference' });
  assert.equal(fact.runId, run.id);
  assert.equal(memory.search('Which city do I live in?')[0]!.id, fact.id);
  assert.deepEqual(memory.relevantFacts('weather in my city where I live'), [
    'Preference: Answer in metric units.',
    'The user lives in Lyon, France.',
  ]);

  memory.update(fact.id, { content: 'The user lives in Grenoble.' });
  assert.equal(memory.search('Lyon').length, 0, 'the index follows edits');
  assert.equal(memory.search('Grenoble')[0]!.id, fact.id);
  memory.remove(fact.id);
  assert.equal(memory.search('Grenoble').length, 0);
  assert.deepEqual(
    memory.list().map((e) => e.content),
    ['Answer in metric units.', "The user's dog is called Pixel."],
  );
});

test('bad entries and unknown ids get clear errors', () => {
  const { memory } = setup();
  assert.throws(() => memory.add({ content: '   ' }), /cannot be empty/);
  assert.throws(() => memory.add({ content: 'x'.repeat(3000) }), /limited to 2000 characters/);
  assert.throws(() => memory.add({ content: 'x', kind: 'secret' as never }), /Unknown memory kind "secret"/);
  assert.throws(() => memory.add({ content: 'x', runId: 'run_nope' }), /No run with id run_nope/);
  assert.throws(() => memory.update(99, { content: 'y' }), /No memory entry with id 99/);
  assert.throws(() => memory.remove(99), /No memory entry with id 99/);
});

test('deleting the run keeps the fact, unlinked', () => {
  const { memory, runs } = setup();
  const task = runs.createTask({ question: 'q' });
  const run = runs.startRun({ taskId: task.id });
  const fact = memory.add({ content: 'Fact from a run', runId: run.id });
  runs.db.prepare('DELETE FROM tasks WHERE id = ?').run(task.id);
  assert.equal(memory.get(fact.id)!.runId, null);
});

test('facts are proposed from a finished task for the user to confirm, never stored by themselves', async () => {
  const { proposeFacts } = await import('../../../electron/core/memory/propose-facts.ts');
  const { ScriptedLanguageModel } = await import('../../support/scripted-model.ts');
  const model = new ScriptedLanguageModel({
    turns: [
      {
        json: {
          items: [
            { kind: 'fact', content: 'The user lives in Lyon.' },
            { kind: 'preference', content: 'Prefers answers in metric units.' },
            { kind: 'fact', content: '' },
          ],
        },
      },
      { json: { items: [] } },
    ],
  });
  const { memory } = setup();
  const proposed = await proposeFacts({ question: 'How far is Lyon from Paris for me?', answer: 'About 465 km.', model });
  assert.deepEqual(proposed, [
    { content: 'The user lives in Lyon.', kind: 'fact' },
    { content: 'Prefers answers in metric units.', kind: 'preference' },
  ]);
  assert.equal(model.requests[0]!.sampling!.temperature, 0);
  assert.deepEqual(memory.list(), []);
  assert.deepEqual(await proposeFacts({ question: 'What is 2 + 2?', answer: '4', model }), []);
});
