import { parseArgs } from 'node:util';
import { recordFeedback } from '../../core/api/feedback.ts';
import { formatStoredRun } from '../../core/agent/trace-format.ts';
import { InflowError } from '../../core/errors.ts';
import type { RunKind, StopReason } from '../../core/store/run-store.ts';
import type { CliCommand, CliContext } from '../command.ts';
import { wholeNumberFlag } from '../flag-values.ts';

const usage = `Usage: inflow runs <list|show|replay|rate> [options]
  list [--kind ask|rollout|eval] [--stop-reason R] [--search TEXT] [--limit N]   recent runs
  show ID                                        a run with its steps and module calls (--json: everything, tokens included)
  replay ID                                      print the stored trace of a run, step by step
  rate ID up|down [--comment TEXT] [--correct ANSWER]
                                                 thumbs up or down, as in the app (up: a demonstration for
                                                 inflow train --objective sft; --correct: your own question's right answer)`;

/** `inflow runs`: the recorded agent runs. */
export const command: CliCommand = {
  name: 'runs',
  summary: 'list, show and replay recorded agent runs',
  usage,
  async run(context, args) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        'stop-reason': { type: 'string' },
        search: { type: 'string' },
        limit: { type: 'string' },
        comment: { type: 'string' },
        correct: { type: 'string' },
      },
    });
    const backend = await context.backend();
    if (sub === 'list') {
      const limit = wholeNumberFlag(values.limit, 'limit', { min: 1 }, usage) ?? 20;
      const runs = backend.runs.listRuns({
        limit,
        ...(values.kind ? { kind: values.kind as RunKind } : {}),
        ...(values['stop-reason'] ? { stopReason: values['stop-reason'] as StopReason } : {}),
        ...(values.search ? { search: values.search } : {}),
      });
      if (context.json) {
        context.printJson(runs.map((run) => ({ ...run, question: backend.runs.getTask(run.taskId)?.question ?? null })));
        return;
      }
      if (runs.length === 0) {
        context.print('No runs yet. Try: inflow ask "What is 17 * 23?"');
        return;
      }
      for (const run of runs) {
        const question = backend.runs.getTask(run.taskId)?.question ?? '';
        context.print(
          `${run.id}  ${new Date(run.createdAt).toISOString().slice(0, 19)}  ${run.kind.padEnd(7)} ${(run.stopReason ?? run.status).padEnd(11)} ${question.replace(/\s+/g, ' ').slice(0, 60)}`,
        );
      }
      return;
    }
    if (sub === 'show' || sub === 'replay') {
      const id = positionals[0];
      if (id === undefined) throw new InflowError('USAGE', `Give the run id: inflow runs ${sub} ID`, { hint: 'See inflow runs list.' });
      const stored = load(context, backend.runs, id);
      if (sub === 'show' && context.json) {
        context.printJson(stored);
        return;
      }
      if (sub === 'replay' && context.json) {
        context.printJson({ run: stored.run, steps: stored.steps });
        return;
      }
      for (const line of formatStoredRun(stored)) context.print(line);
      if (sub === 'show') {
        context.print('Module calls:');
        for (const call of stored.calls) {
          context.print(
            `  #${call.id} step ${call.stepIdx ?? '-'} ${call.module.padEnd(9)} ${call.modelId ?? ''} ${call.promptTokens?.length ?? 0}+${call.responseTokens?.length ?? 0} tokens ${Math.round(call.durationMs)} ms`,
          );
        }
      }
      return;
    }
    if (sub === 'rate') {
      const [id, verdict] = positionals;
      if (id === undefined || (verdict !== 'up' && verdict !== 'down'))
        throw new InflowError('USAGE', 'Give the run id and up or down: inflow runs rate ID up', { hint: usage });
      const result = recordFeedback(backend, {
        runId: id,
        rating: verdict === 'up' ? 1 : -1,
        ...(values.comment === undefined ? {} : { comment: values.comment }),
        ...(values.correct === undefined ? {} : { correctedAnswer: values.correct }),
      });
      if (context.json) context.printJson(result);
      else context.print(`Rated ${id} ${verdict} (reward ${result.reward}).`);
      return;
    }
    throw new InflowError('USAGE', sub === undefined ? 'Say what to do with runs.' : `Unknown runs command "${sub}".`, { hint: usage });
  },
};

function load(_context: CliContext, runs: import('../../core/store/run-store.ts').RunStore, id: string) {
  const run = runs.getRun(id);
  if (run === undefined) throw new InflowError('RUN_NOT_FOUND', `No run with id ${id}.`, { hint: 'See inflow runs list.' });
  return { task: runs.getTask(run.taskId), run, steps: runs.getSteps(id), calls: runs.getModuleCalls(id) };
}
