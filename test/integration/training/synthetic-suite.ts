import { z } from 'zod';
import type { DatasetItemInput } from '../../../electron/core/datasets/dataset-format.ts';
import type { TaskRecord } from '../../../electron/core/store/run-store.ts';
import { defineTool } from '../../../electron/core/tools/define-tool.ts';
import type { Tool } from '../../../electron/core/tools/tool.ts';
import { seededShuffle } from '../../../electron/core/training/seeded-random.ts';
import { ScriptedLanguageModel, type ScriptedTurn } from '../../support/scripted-model.ts';

/**
 * A checkable task suite in which success depends only on the planner's choice of tool. Two kinds of question:
 * "Reverse the word: W" (answer: W reversed) and "Count the letters in: W" (answer: the length of W). Two
 * deterministic tools, `reverser` and `counter`, each right for exactly one kind, so the right answer is
 * reachable only through the right choice. Every fixed module is deterministic: the executor passes the word,
 * the generator answers with the last tool result.
 */
/** The words of the suites' questions (learning-suites.ts goes on with 24 more). */
export const words = [
  'apple',
  'river',
  'stone',
  'cloud',
  'garden',
  'tiger',
  'pencil',
  'window',
  'orange',
  'planet',
  'bridge',
  'candle',
  'forest',
  'silver',
  'rocket',
  'button',
  'marble',
  'ladder',
  'violin',
  'harbor',
  'meadow',
  'castle',
  'anchor',
  'lantern',
];

/**
 * `train` items then `heldOut` items (held-out words never appear in training), kinds alternating. `cue`: each
 * question starts with its kind's cue ("backwards" / "how many") repeated that often, so the kinds differ in
 * many prompt tokens, not one: a 2-layer random-weight planner cannot pick out a single token among ~400.
 */
export function syntheticItems(options: {
  train: number;
  heldOut: number;
  seed?: number;
  kinds?: ReadonlyArray<'reverse' | 'count'>;
  cue?: number;
}): DatasetItemInput[] {
  const kinds = options.kinds ?? ['reverse', 'count'];
  const cue = (word: string) => (options.cue ? `${Array.from({ length: options.cue }, () => word).join(' ')} ` : '');
  const chosen = seededShuffle(words, options.seed ?? 7);
  return Array.from({ length: options.train + options.heldOut }, (_, i) => {
    const word = chosen[i % chosen.length]!;
    const split = i < options.train ? 'train' : 'heldout';
    return kinds[i % kinds.length] === 'reverse'
      ? {
          question: `${cue('backwards')}Reverse the word: ${word}`,
          answer: [...word].reverse().join(''),
          answerKind: 'exact',
          meta: { kind: 'reverse' },
          split,
        }
      : {
          question: `${cue('how many')}Count the letters in: ${word}`,
          answer: String(word.length),
          answerKind: 'exact',
          meta: { kind: 'count' },
          split,
        };
  });
}

const wordOf = (question: string) => question.slice(question.lastIndexOf(':') + 1).trim();

/** Fresh tools and fixed modules for one run (nothing is shared between rollouts). */
export function syntheticSetup(task: TaskRecord): { tools: Tool[]; models: { fixed: ScriptedLanguageModel } } {
  let last: string | null = null;
  const tools = [
    defineTool({
      name: 'reverser',
      description: 'Reverses the letters of a word.',
      input: z.object({ text: z.string() }),
      output: 'the word spelled backwards',
      async execute({ text }) {
        last = [...text].reverse().join('');
        return last;
      },
    }),
    defineTool({
      name: 'counter',
      description: 'Counts the letters of a word.',
      input: z.object({ text: z.string() }),
      output: 'the number of letters',
      async execute({ text }) {
        last = String([...text].length);
        return last;
      },
    }),
  ];
  const word = wordOf(task.question);
  const reply: ScriptedTurn = (request) => {
    const prompt = request.messages.map((m) => m.content).join('\n');
    const schema = JSON.stringify(request.jsonSchema ?? {});
    if (schema.includes('process_summary')) return { json: { process_summary: 'used the tool', answer: last ?? 'unknown' } };
    if (schema.includes('"input"')) return { json: { input: { text: word } } };
    if (schema.includes('conclusion')) return { json: { analysis: 'done', conclusion: 'STOP' } };
    if (schema.includes('concise_summary'))
      return { json: { concise_summary: 'a word task', required_skills: [], relevant_tools: [], additional_considerations: '' } };
    throw new Error(`The synthetic suite's fixed model got an unexpected request: ${prompt.slice(0, 120)}`);
  };
  return { tools, models: { fixed: new ScriptedLanguageModel({ id: 'synthetic-fixed', turns: Array.from({ length: 16 }, () => reply) }) } };
}
