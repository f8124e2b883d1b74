import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importDataset } from '../../core/datasets/import-dataset.ts';
import { DatasetStore } from '../../core/datasets/dataset-store.ts';
import { harvestUserTasks } from '../../core/datasets/user-tasks.ts';
import { unscorableReason } from '../../core/datasets/item-scorability.ts';
import { InflowError } from '../../core/errors.ts';
import { findBenchmark, resolveBenchmarksDir } from '../../core/eval/benchmark-catalog.ts';
import { isAnswerKind, type AnswerKind } from '../../core/scoring/answer-kind.ts';
import type { CliCommand } from '../command.ts';
import { wholeNumberFlag, numberFlag } from '../flag-values.ts';

const usage = `Usage:
  inflow datasets import FILE|BENCHMARK [--name NAME] [--heldout 0.2] [--kind KIND] [--seed 42] [--skip-unscorable]
      a JSON array or JSONL of {"question", "answer", "answer_kind"?}, or a benchmark shipped with Inflow by
      name (gameof24, aime24, medqa, ...: resources/benchmarks, or INFLOW_BENCHMARKS_DIR);
      items that can never score are refused, naming each (--skip-unscorable: import the others, list these)
  inflow datasets harvest [--name NAME] [--heldout 0.2]   your past tasks that carry a reward
  inflow datasets list
  inflow datasets show NAME
  inflow datasets delete NAME`;

/** `inflow datasets`: training data in the database, split once into train and held-out. */
export const command: CliCommand = {
  name: 'datasets',
  summary: 'import, list and delete training datasets (train / held-out splits)',
  usage,
  async run(context, args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        heldout: { type: 'string' },
        kind: { type: 'string' },
        seed: { type: 'string' },
        'skip-unscorable': { type: 'boolean' },
      },
    });
    const [action, target] = positionals;
    const backend = await context.backend();
    const store = backend.datasets;
    // its range is the dataset store's rule, checked there for every front end
    const heldOutFraction = numberFlag(values.heldout, 'heldout', undefined, usage);
    const seed = wholeNumberFlag(values.seed, 'seed', { min: 0 }, usage);
    const show = (record: ReturnType<DatasetStore['get']>) => {
      if (context.json) context.printJson(record);
      else
        context.print(
          `${record.name.padEnd(24)} ${String(record.counts.train).padStart(6)} train ${String(record.counts.heldout).padStart(6)} held-out  ${record.source ?? ''}`,
        );
    };
    switch (action) {
      case 'import': {
        if (target === undefined) throw new InflowError('USAGE', 'Name the file to import.', { hint: usage });
        if (values.kind !== undefined && !isAnswerKind(values.kind))
          throw new InflowError('USAGE', `Unknown answer kind "${values.kind}".`, {
            hint: 'Use exact, normalized, numeric, choice, gameof24 or judge.',
          });
        // a benchmark's name (not an existing file) reads the shipped file of that benchmark
        const benchmark = fs.existsSync(target) ? undefined : findBenchmark(target);
        const file = benchmark === undefined ? target : path.join(resolveBenchmarksDir(), benchmark.file);
        // the Training screen's import (datasets/import-dataset.ts), with the CLI's --kind, --seed and benchmark names
        const { record, leftOut } = importDataset(store, {
          file,
          name: values.name,
          heldOutFraction,
          seed,
          answerKind: values.kind as AnswerKind | undefined,
          skipUnscorable: values['skip-unscorable'] === true,
        });
        for (const item of leftOut)
          context.stderr.write(`Left out ${item.where} ("${item.question.replace(/\s+/g, ' ').slice(0, 60)}"): ${item.reason}\n`);
        show(record);
        return;
      }
      case 'harvest': {
        const harvest = harvestUserTasks(backend.history);
        const unscorable = harvest.items.filter((item) => unscorableReason(item) !== null);
        for (const item of unscorable)
          context.stderr.write(`Left out "${item.question.replace(/\s+/g, ' ').slice(0, 60)}": ${unscorableReason(item)}\n`);
        harvest.items = harvest.items.filter((item) => !unscorable.includes(item));
        if (harvest.items.length === 0) {
          throw new InflowError('DATASET_EMPTY', `None of your ${harvest.skipped} past tasks carries a reward yet.`, {
            hint: 'Give a thumbs up to good answers, or ask questions with an expected answer.',
          });
        }
        show(
          store.create(harvest.items, {
            name: values.name ?? `my-tasks-${new Date().toISOString().slice(0, 10)}`,
            source: 'user tasks',
            ...(heldOutFraction === undefined ? {} : { heldOutFraction }),
          }),
        );
        if (!context.json) context.print(`(${harvest.skipped} tasks without a reward were left out)`);
        return;
      }
      case 'list':
      case undefined: {
        const list = store.list();
        if (context.json) context.printJson(list);
        else if (list.length === 0) context.print('No datasets yet. Import one with `inflow datasets import FILE`.');
        else for (const record of list) show(record);
        return;
      }
      case 'show': {
        const record = store.get(target ?? '');
        if (context.json) context.printJson({ ...record, items: store.items(record.id) });
        else {
          show(record);
          for (const item of store.items(record.id).slice(0, 10))
            context.print(`  [${item.split}] ${item.question.slice(0, 70)} → ${JSON.stringify(item.answer).slice(0, 30)} (${item.answerKind})`);
        }
        return;
      }
      case 'delete':
        store.delete(target ?? '');
        context.print(`Deleted ${target}.`);
        return;
      default:
        throw new InflowError('USAGE', `Unknown action "${action}".`, { hint: usage });
    }
  },
};
