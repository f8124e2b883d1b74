import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SettingsService } from '../../core/api/settings-service.ts';
import { builtinToolSource } from '../../core/api/tool-source.ts';
import { InflowError } from '../../core/errors.ts';
import { createEvalAgent } from '../../core/eval/eval-agent.ts';
import { loadEvalModels } from '../../core/eval/eval-models.ts';
import { buildEvalReport, type EvalReport } from '../../core/eval/eval-report.ts';
import { EvalStore } from '../../core/eval/eval-store.ts';
import { loadBenchmark } from '../../core/eval/load-benchmark.ts';
import { renderHtmlReport } from '../../core/eval/report-html.ts';
import { renderTextReport } from '../../core/eval/report-text.ts';
import { runEvaluation } from '../../core/eval/run-evaluation.ts';
import { plannerLabel } from '../../core/eval/summarize.ts';
import type { CliCommand, CliContext } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';

const usage = `Usage:
  inflow eval --benchmark NAME|FILE [options]     run (or resume) an evaluation
  inflow eval list                                evaluations so far
  inflow eval report ID [ID2] [--html FILE]       report one evaluation, or two side by side

Benchmarks by name: bamboogle, 2wiki, hotpotqa, musique, gaia, aime24, amc23, gameof24, medqa
(read from ../shared/benchmarks, INFLOW_BENCHMARKS_DIR or --benchmarks-dir), or any JSON array / JSONL file
of {"question" (or "query"), "answer"} items.

Options:
  --model PATH|ID        planner model (GGUF file or installed id; default: the recommended installed model)
  --adapter ID           LoRA adapter for the planner (fixed modules keep the base weights)
  --limit N              only the first N items
  --concurrency K        items at once (default 1)
  --profile NAME         structured (default) or agentflow prompts
  --max-steps N          agent steps per item (default 10, as in the paper)
  --judge-model PATH|ID  model that judges free-form answers (default: the base model)
  --no-judge             rules only; answers they cannot settle count as wrong
  --fresh                start a new evaluation instead of resuming an unfinished one
  --resume ID            resume (or extend with --limit) this evaluation
  --benchmarks-dir DIR   folder of the named benchmark files
  --threads N, --context-size N, --cpu   engine settings
  --html FILE            where to write the HTML report (default: <data-dir>/reports/<id>.html)`;

const positiveInt = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InflowError('USAGE', `${flag} must be a positive whole number (got "${value}").`, { hint: usage.split('\n')[1] });
  return number;
};

function writeReports(context: CliContext, report: EvalReport, reportsDir: string, html: string | undefined, stem: string): { html: string; json: string } {
  const htmlFile = path.resolve(html ?? path.join(reportsDir, `${stem}.html`));
  const jsonFile = htmlFile.replace(/\.html?$/i, '') + '.json';
  fs.mkdirSync(path.dirname(htmlFile), { recursive: true });
  fs.writeFileSync(htmlFile, renderHtmlReport(report));
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (context.json) context.printJson({ ...report, files: { html: htmlFile, json: jsonFile } });
  else context.print(`\n${renderTextReport(report)}\n\nReport: ${htmlFile}\nJSON:   ${jsonFile}`);
  return { html: htmlFile, json: jsonFile };
}

async function runCommand(context: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      benchmark: { type: 'string' }, model: { type: 'string' }, adapter: { type: 'string' }, limit: { type: 'string' },
      concurrency: { type: 'string' }, profile: { type: 'string' }, 'max-steps': { type: 'string' }, 'judge-model': { type: 'string' },
      'no-judge': { type: 'boolean' }, fresh: { type: 'boolean' }, resume: { type: 'string' }, 'benchmarks-dir': { type: 'string' },
      threads: { type: 'string' }, 'context-size': { type: 'string' }, cpu: { type: 'boolean' }, html: { type: 'string' },
    },
    strict: true,
  });
  if (values.benchmark === undefined) throw new InflowError('USAGE', 'Say which benchmark to run: --benchmark NAME|FILE.', { hint: usage });
  if (values.profile !== undefined && values.profile !== 'structured' && values.profile !== 'agentflow') {
    throw new InflowError('USAGE', `Unknown --profile "${values.profile}".`, { hint: 'Use structured or agentflow.' });
  }
  const limit = positiveInt(values.limit, '--limit');
  const concurrency = positiveInt(values.concurrency, '--concurrency');
  const maxSteps = positiveInt(values['max-steps'], '--max-steps');
  const threads = positiveInt(values.threads, '--threads');
  const contextSize = positiveInt(values['context-size'], '--context-size');
  // The benchmark is checked before any model loads: a bad file fails in a second.
  const benchmark = loadBenchmark(values.benchmark, values['benchmarks-dir'] === undefined ? {} : { benchmarksDir: values['benchmarks-dir'] });
  const backend = await context.backend();
  const loaded = await loadEvalModels({
    backend, ...(values.model === undefined ? {} : { model: values.model }), ...(values.adapter === undefined ? {} : { adapterId: values.adapter }),
    ...(values['judge-model'] === undefined ? {} : { judgeModel: values['judge-model'] }), noJudge: values['no-judge'] === true,
    gpu: values.cpu === true ? false : 'auto', ...(threads === undefined ? {} : { threads }), ...(contextSize === undefined ? {} : { contextSize }),
    sequences: concurrency ?? 1,
    signal: context.signal,
  });
  try {
    const evalStore = new EvalStore(backend.db);
    // The same built-in tools as Ask, under the same privacy settings (network tools only when allowed).
    const toolSet = await builtinToolSource(new SettingsService(backend.db).read());
    const agent = createEvalAgent({
      store: backend.runs, models: loaded.models, tools: toolSet.tools, absentTools: toolSet.absent, benchmark: benchmark.name,
      ...(values.profile === undefined ? {} : { profile: values.profile as 'structured' | 'agentflow' }),
      ...(maxSteps === undefined ? {} : { limits: { maxSteps } }),
    });
    const evaluation = await runEvaluation({
      evalStore, runs: backend.runs, benchmark, agent, plannerModel: loaded.plannerModelId, adapterId: loaded.adapterId,
      ...(loaded.judge === undefined ? {} : { judge: loaded.judge }), ...(limit === undefined ? {} : { limit }),
      ...(concurrency === undefined ? {} : { concurrency }), ...(values.resume === undefined ? {} : { evaluationId: values.resume }),
      fresh: values.fresh === true, signal: context.signal,
      config: { profile: values.profile ?? 'structured', maxSteps: maxSteps ?? 10, judge: loaded.judge?.id ?? null },
      onProgress: (event) => {
        if (event.type === 'evaluation-start') {
          context.print(`${event.resumed ? 'Resuming' : 'Starting'} evaluation ${event.evaluation.id}: ${benchmark.name}, ${plannerLabel(event.evaluation)}; ${event.alreadyScored} scored, ${event.toRun} to run.`);
        } else if (event.type === 'item-scored') {
          context.print(`  [${event.scored}/${event.planned}] item ${event.position} ${event.correct ? 'correct' : 'wrong'} (${event.method}) — running accuracy ${((100 * event.correctSoFar) / event.scored).toFixed(1)}%`);
        }
      },
    });
    const report = buildEvalReport({ evalStore, evaluationIds: [evaluation.id] });
    writeReports(context, report, backend.paths.reports, values.html, evaluation.id);
    if (evaluation.status === 'cancelled') {
      context.print(`\nStopped. Run the same command again to resume evaluation ${evaluation.id}.`);
      return ExitCode.cancelled;
    }
    return ExitCode.ok;
  } finally {
    await loaded.dispose();
  }
}

async function listCommand(context: CliContext): Promise<number> {
  const backend = await context.backend();
  const store = new EvalStore(backend.db);
  const evaluations = store.list({ limit: 100 }).map((evaluation) => {
    const items = store.items(evaluation.id);
    const correct = items.filter((item) => item.correct).length;
    return { ...evaluation, scored: items.length, correct, accuracy: items.length === 0 ? null : correct / items.length };
  });
  if (context.json) context.printJson(evaluations);
  else if (evaluations.length === 0) context.print('No evaluations yet. Start one with: inflow eval --benchmark gameof24 --limit 10');
  else for (const e of evaluations) {
    context.print(`${e.id}  ${new Date(e.createdAt).toISOString().slice(0, 16)}  ${e.benchmark.padEnd(10)} ${plannerLabel(e).padEnd(40)} ${`${e.scored}/${e.plannedCount}`.padStart(8)}  ${e.accuracy === null ? '-' : `${(100 * e.accuracy).toFixed(1)}%`}  ${e.status}`);
  }
  return ExitCode.ok;
}

async function reportCommand(context: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { html: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length === 0) throw new InflowError('USAGE', 'Name the evaluation(s) to report: inflow eval report ID [ID2].', { hint: 'List them with: inflow eval list' });
  const backend = await context.backend();
  const report = buildEvalReport({ evalStore: new EvalStore(backend.db), evaluationIds: positionals });
  writeReports(context, report, backend.paths.reports, values.html, positionals.join('-vs-'));
  return ExitCode.ok;
}

export const command: CliCommand = {
  name: 'eval',
  summary: 'run a benchmark through the agent, score it, resume, and report (terminal, JSON, HTML)',
  usage,
  async run(context, args) {
    if (args[0] === 'list') return listCommand(context);
    if (args[0] === 'report' || args[0] === 'compare') return reportCommand(context, args.slice(1));
    return runCommand(context, args);
  },
};
