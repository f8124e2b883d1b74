import path from 'node:path';
import { z } from 'zod';
import type { DatasetItemInput } from '../../../electron/core/datasets/dataset-format.ts';
import { DatasetStore } from '../../../electron/core/datasets/dataset-store.ts';
import { getEngine } from '../../../electron/core/llm/engine.ts';
import { openDatabase } from '../../../electron/core/store/database.ts';
import { RunStore, type TaskRecord } from '../../../electron/core/store/run-store.ts';
import { defineTool } from '../../../electron/core/tools/define-tool.ts';
import type { Tool } from '../../../electron/core/tools/tool.ts';
import { createAgentRollout } from '../../../electron/core/training/flow-grpo/agent-rollout.ts';
import { EnginePlanner } from '../../../electron/core/training/flow-grpo/engine-planner.ts';
import { seededShuffle } from '../../../electron/core/training/seeded-random.ts';
import { startTrainerProcess } from '../../../electron/core/training/trainer/trainer-process.ts';
import type { TrainingConfig } from '../../../electron/core/training/flow-grpo/training-config.ts';
import { train } from '../../../electron/core/training/flow-grpo/training-loop.ts';
import { TrainingStore } from '../../../electron/core/training/training-store.ts';
import { ScriptedLanguageModel, type ScriptedTurn } from '../../support/scripted-model.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';
import { warmStartAdapter, type WarmStart } from './suite-warm-start.ts';
import { words as synthWords } from './synthetic-suite.ts';

/**
 * The acceptance suites of Flow-GRPO (docs/training.md): checkable tasks on which success depends only on the planner's
 * tool choices, with deterministic tools and fixed modules, run on the real engine and the real native trainer.
 *
 * - `partly-right`: four kinds of question (reverse, count, uppercase, first letter), each answered only by its own
 *   tool, one agent step. A random-weight planner that picks one tool for every question already solves one kind
 *   (25 % held-out): training must lift the other three.
 * - `multi-turn`: two kinds, each needing two tools in a kind-specific order ("reverse the first three letters" =
 *   prefix then reverser; "first three letters of the reversed word" = reverser then prefix), `maxSteps` 3, the
 *   verifier stopping after the second tool. The reward comes only at the end and is broadcast to both planner turns.
 *   A planner that always picks one tool scores 0 %; one that picks by turn position alone, 50 %. Its untrained
 *   planner was shown the first kind's two tools by the user (six demonstrations, `--demonstrate`, rated up, then SFT):
 *   it solves about one kind (50 %), and training must teach it the other order.
 *
 * A random-weight 2-layer planner needs salient cues to attend to at all (docs/training.md): each question starts
 * with its kind's cue word repeated CUE times, and in the multi-turn suite each tool's result (what the planner sees
 * of its first turn in its memory) starts with the tool's own cue word repeated as often.
 */
export const CUE = 60;

/** Parallel sequences of the planner: a group's eight rollouts decode together. */
const SEQUENCES = 8;

/** The synthetic suite's 24 words, then 24 more. */
const words = [
  ...synthWords,
  'basket',
  'copper',
  'dragon',
  'feather',
  'glacier',
  'hammer',
  'island',
  'jungle',
  'kettle',
  'lemon',
  'mirror',
  'needle',
  'oyster',
  'parrot',
  'quartz',
  'saddle',
  'tunnel',
  'velvet',
  'walnut',
  'yellow',
  'zipper',
  'blanket',
  'cactus',
  'dolphin',
];

interface Kind {
  name: string;
  cue: string;
  question: (word: string) => string;
  answer: (word: string) => string;
  tools: string[];
}

const reverse = (text: string) => [...text].reverse().join('');
const toolFunctions: Record<string, { description: string; cue: string; apply: (text: string) => string }> = {
  reverser: { description: 'Reverses the letters of a word.', cue: 'reversed', apply: reverse },
  counter: { description: 'Counts the letters of a word.', cue: 'counted', apply: (text) => String([...text].length) },
  uppercaser: { description: 'Writes a word in capital letters.', cue: 'capitalised', apply: (text) => text.toUpperCase() },
  initial: { description: 'Gives the first letter of a word.', cue: 'initial', apply: (text) => text.slice(0, 1) },
  prefix: { description: 'Gives the first three letters of a word.', cue: 'prefix', apply: (text) => text.slice(0, 3) },
};

export interface LearningSuite {
  name: 'partly-right' | 'multi-turn';
  kinds: Kind[];
  maxSteps: number;
  /** Tool calls after which the (scripted) verifier says STOP. */
  stopAfter: number;
  train: number;
  heldOut: number;
  steps: number;
  /** How the untrained planner was warm-started from the random-weight one (null: as it is). */
  warmStart: WarmStart | null;
  /** KL coefficient to the run's starting policy (the warm start, else the base model). */
  klBeta: number;
  /** Rollouts per task. */
  groupSize: number;
  /** Learning-rate schedule over the run's steps (from 5e-3 down to a tenth of it when decaying). */
  lrSchedule: TrainingConfig['lrSchedule'];
}

export const suites: Record<LearningSuite['name'], LearningSuite> = {
  'partly-right': {
    name: 'partly-right',
    maxSteps: 1,
    stopAfter: 1,
    train: 24,
    heldOut: 12,
    steps: 32,
    warmStart: { demonstrations: 6, attempts: 16, temperature: 1, steps: 8, learningRate: 5e-3 },
    klBeta: 0.1,
    groupSize: 16,
    lrSchedule: 'cosine',
    kinds: [
      { name: 'reverse', cue: 'backwards', question: (w) => `Reverse the word: ${w}`, answer: reverse, tools: ['reverser'] },
      { name: 'count', cue: 'how many', question: (w) => `Count the letters in: ${w}`, answer: (w) => String(w.length), tools: ['counter'] },
      { name: 'upper', cue: 'capitals', question: (w) => `Write in capitals: ${w}`, answer: (w) => w.toUpperCase(), tools: ['uppercaser'] },
      { name: 'first', cue: 'initial', question: (w) => `The first letter of: ${w}`, answer: (w) => w.slice(0, 1), tools: ['initial'] },
    ],
  },
  'multi-turn': {
    name: 'multi-turn',
    maxSteps: 3,
    stopAfter: 2,
    train: 16,
    heldOut: 12,
    steps: 16,
    warmStart: { demonstrations: 6, attempts: 1, temperature: 0, steps: 16, learningRate: 2e-3, pinned: true },
    klBeta: 0.1,
    groupSize: 8,
    lrSchedule: 'constant',
    kinds: [
      {
        name: 'prefix-then-reverse',
        cue: 'mirror',
        question: (w) => `Reverse the first three letters of: ${w}`,
        answer: (w) => reverse(w.slice(0, 3)),
        tools: ['prefix', 'reverser'],
      },
      {
        name: 'reverse-then-prefix',
        cue: 'backwards',
        question: (w) => `The first three letters of the reversed word: ${w}`,
        answer: (w) => reverse(w).slice(0, 3),
        tools: ['reverser', 'prefix'],
      },
    ],
  },
};

/** `train` items then `heldOut` items, kinds alternating; held-out words never appear in training. */
export function suiteItems(suite: LearningSuite): DatasetItemInput[] {
  const chosen = seededShuffle(words, 7);
  return Array.from({ length: suite.train + suite.heldOut }, (_, i) => {
    const kind = suite.kinds[i % suite.kinds.length]!;
    const word = chosen[i % chosen.length]!;
    const cue = `${Array.from({ length: CUE }, () => kind.cue).join(' ')} `;
    return {
      question: `${cue}${kind.question(word)}`,
      answer: kind.answer(word),
      answerKind: 'exact',
      meta: { kind: kind.name },
      split: i < suite.train ? 'train' : 'heldout',
    };
  });
}

const wordOf = (question: string) => question.slice(question.lastIndexOf(':') + 1).trim();

/** Fresh tools and fixed modules for one run: the executor passes the current value, the generator answers with it. */
export function suiteSetup(suite: LearningSuite): (task: TaskRecord) => { tools: Tool[]; models: { fixed: ScriptedLanguageModel } } {
  const names = [...new Set(suite.kinds.flatMap((k) => k.tools))];
  return (task) => {
    let value = wordOf(task.question);
    let calls = 0;
    const tools = names.map((name) => {
      const fn = toolFunctions[name]!;
      return defineTool({
        name,
        description: fn.description,
        input: z.object({ text: z.string() }),
        output: 'the transformed text',
        async execute({ text }) {
          calls++;
          value = fn.apply(text);
          // what the planner sees of this step in its memory: the tool's cue, then the value
          return suite.maxSteps > 1 ? `${Array.from({ length: CUE }, () => fn.cue).join(' ')} ${value}` : value;
        },
      });
    });
    const reply: ScriptedTurn = (request) => {
      const schema = JSON.stringify(request.jsonSchema ?? {});
      if (schema.includes('process_summary')) return { json: { process_summary: 'used the tools', answer: calls > 0 ? value : 'unknown' } };
      if (schema.includes('"input"')) return { json: { input: { text: value } } };
      if (schema.includes('conclusion')) return { json: { analysis: 'checked', conclusion: calls >= suite.stopAfter ? 'STOP' : 'CONTINUE' } };
      if (schema.includes('concise_summary'))
        return { json: { concise_summary: 'a word task', required_skills: [], relevant_tools: [], additional_considerations: '' } };
      throw new Error(`The ${suite.name} suite's fixed model got an unexpected request.`);
    };
    return { tools, models: { fixed: new ScriptedLanguageModel({ id: 'suite-fixed', turns: Array.from({ length: 32 }, () => reply) }) } };
  };
}

export interface CurvePoint {
  step: number;
  heldoutAccuracy: number | null;
  rewardMean: number | null;
  kl: number | null;
  clipFraction: number | null;
  informativeFraction: number | null;
  seconds: number;
  timings: Record<string, number>;
  samples: number;
  trainedTokens: number;
}

/**
 * Training settings of the suites (the rest are the product's defaults: 4 mini-batch updates per step, one task group
 * each, dual clip 3): dynamic sampling with per-group temperature raising (a task on which every rollout of its group
 * failed is sampled again at 1.2), lr 5e-3, and the suite's group size, KL coefficient to the warm start (0.1 for
 * both, which holds a control where the warm start put it; groups of 8 for multi-turn, the paper's, and 16 for
 * partly-right) and learning-rate schedule (partly-right decays it, cosine, to 5e-4 at its last step, so a planner that
 * has learnt every kind is not shaken out of it by the last, sparse updates). Chosen on development seeds (11-16),
 * never on 1-3.
 */
export const suiteConfig = (suite: LearningSuite, shuffleRewards: boolean): Partial<TrainingConfig> => ({
  steps: suite.steps,
  groupSize: suite.groupSize,
  tasksPerStep: 4,
  learningRate: 5e-3,
  lrSchedule: suite.lrSchedule,
  klBeta: suite.klBeta,
  dynamicSampling: 4,
  explorationTemperature: 1.2,
  shuffleRewards,
  seed: 42,
  evalLimit: 0,
  lora: { rank: 8, alpha: 16, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
});

/** One training run of `suite` from the untrained planner of model seed `modelSeed`: its held-out curve per step. */
export async function runSuite(
  suite: LearningSuite,
  modelSeed: number,
  shuffleRewards: boolean,
  extra: Partial<TrainingConfig> = {},
  warm: WarmStart | null = suite.warmStart,
): Promise<CurvePoint[]> {
  const modelPath = testModelPath({ seed: modelSeed });
  const planner = await EnginePlanner.load(await getEngine({ gpu: false }), { path: modelPath, contextSize: 2048, threads: 1, sequences: SEQUENCES });
  const dir = tempDir();
  const db = openDatabase(path.join(dir, 'inflow.db'));
  try {
    const runs = new RunStore(db);
    const dataset = new DatasetStore(db).create(suiteItems(suite), { name: suite.name });
    // a 64-token planner cap bounds the free-text fields: shorter turns, faster updates (docs/training.md)
    const setup = suiteSetup(suite);
    const agent = createAgentRollout({ store: runs, planner, setup, limits: { maxSteps: suite.maxSteps }, moduleMaxTokens: { planner: 64 } });
    const initAdapter = await warmStartAdapter({
      suite,
      db,
      runs,
      planner,
      datasetId: dataset.id,
      modelPath,
      dir,
      settings: warm,
      setup,
      lora: suiteConfig(suite, false).lora!,
    });
    const started = Date.now();
    const result = await train({
      db,
      runs,
      agent,
      planner,
      datasetId: dataset.id,
      baseModel: modelPath,
      adaptersDir: path.join(dir, 'adapters'),
      startTrainer: (init) => startTrainerProcess({ init: { ...init, threads: 1 } }),
      config: { ...suiteConfig(suite, shuffleRewards), initAdapter, ...extra },
    });
    let elapsed = 0;
    return new TrainingStore(db).stepMetrics(result.trainingRunId).map(({ step, metrics }) => {
      elapsed += (metrics.timings?.totalMs ?? metrics.timings?.evalMs ?? 0) / 1000;
      return {
        step,
        heldoutAccuracy: metrics.heldoutAccuracy ?? null,
        rewardMean: metrics.rewardMean ?? null,
        kl: metrics.kl ?? null,
        clipFraction: metrics.clipFraction ?? null,
        informativeFraction: typeof metrics.informativeFraction === 'number' ? metrics.informativeFraction : null,
        seconds: step === 0 ? 0 : Math.min(elapsed, (Date.now() - started) / 1000),
        timings: metrics.timings ?? {},
        samples: metrics.samples ?? 0,
        trainedTokens: typeof metrics.trainedTokens === 'number' ? metrics.trainedTokens : 0,
      };
    });
  } finally {
    db.close();
    await planner.dispose();
  }
}

/** The first step whose held-out success reaches `target`, and the training wall time until then. */
export function timeToTarget(curve: readonly CurvePoint[], target = 0.9): { step: number; seconds: number } | null {
  const hit = curve.find((p) => p.step > 0 && (p.heldoutAccuracy ?? 0) >= target);
  return hit === undefined ? null : { step: hit.step, seconds: hit.seconds };
}

/** Mean held-out success over the last four evaluations. */
export const lastFour = (curve: readonly CurvePoint[]) => curve.slice(-4).reduce((sum, p) => sum + (p.heldoutAccuracy ?? 0), 0) / 4;
