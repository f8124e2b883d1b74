import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { InflowError } from '../../core/errors.ts';
import { evaluatePlanner } from '../../core/eval/evaluate-planner.ts';
import { buildEvalReport, type EvalReport } from '../../core/eval/eval-report.ts';
import type { EvaluationRecord } from '../../core/eval/eval-store.ts';
import { loadBenchmark } from '../../core/eval/load-benchmark.ts';
import { writeReportFiles } from '../../core/eval/report-files.ts';
import { renderTextReport } from '../../core/eval/report-text.ts';
import { plannerLabel } from '../../core/eval/summarize.ts';
import { builtinTools } from '../../core/tools/builtin-tools.ts';
import { PythonSandbox } from '../../core/tools/python/python-sandbox.ts';
import type { CliCommand, CliContext } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { wholeNumberFlag } from '../flag-values.ts';

const usage = `Usage:
  inflow eval --benchmark NAME|FILE [options]     run (or resume) an evaluation; several: gaia,aime24 or repeat the flag
  inflow eval --benchmark NAME --adapter ID --against base   adapter vs base model, with a paired test
  inflow eval list                                evaluations so far
  inflow eval report ID [ID2] [--html FILE]       report one evaluation, or two side by side
  inflow eval items ID [--wrong]                  each item's answer, verdict and reason

Benchmarks by name: bamboogle, 2wiki, hotpotqa, musique, gaia, aime24, amc23, gameof24, medqa
(shipped with Inflow in resources/benchmarks; INFLOW_BENCHMARKS_DIR or --benchmarks-dir read another folder), or any JSON array / JSONL file
of {"question" (or "query"), "answer"} items.

Options:
  --model PATH|ID        planner model (GGUF file or installed id; default: the recommended installed model)
  --adapter ID           LoRA adapter for the planner (fixed modules keep the base weights)
  --against base|ID      also evaluate the base model (or another adapter) on the same items, side by side
  --limit N              only the first N items
  --concurrency K        items at once (default 1)
  --profile NAME         structured (default) or agentflow prompts
  --tools a,b            only these built-in tools (python, generalist, knowledge, web, web-page, wikipedia)
  --web                  allow the network tools for this evaluation (else the privacy setting decides)
  --max-steps N          agent steps per item (default 10, as in the paper)
  --judge-model PATH|ID  model that judges free-form answers (default: the base model)
  --no-judge             rules only; answers they cannot settle count as wrong
  --fresh                start a new evaluation instead of resuming an unfinished one
  --resume ID            resume (or extend with --limit) this evaluation
  --benchmarks-dir DIR   folder of the named benchmark files
  --threads N, --context-size N, --cpu   engine settings
  --html FILE            where to write the HTML report (default: <data-dir>/reports/<id>.html)`;

/** The entries of an object whose value is set (exactOptionalPropertyTypes-friendly spreading). */
const definedOnly = <T extends Record<string, unknown>>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Writes the HTML and JSON files and prints the report (text, or JSON with the file paths). */
function writeReports(context: CliContext, report: EvalReport, reportsDir: string, html: string | undefined, stem: string): void {
  const files = writeReportFiles(report, { reportsDir, stem, ...(html === undefined ? {} : { htmlFile: html }) });
  if (context.json) context.printJson({ ...report, files });
  else context.print(`\n${renderTextReport(report)}\n\nReport: ${files.html}\nJSON:   ${files.json}`);
}

const runOptions = {
  benchmark: { type: 'string', multiple: true },
  model: { type: 'string' },
  adapter: { type: 'string' },
  against: { type: 'string' },
  limit: { type: 'string' },
  concurrency: { type: 'string' },
  profile: { type: 'string' },
  'max-steps': { type: 'string' },
  tools: { type: 'string' },
  web: { type: 'boolean' },
  'judge-model': { type: 'string' },
  'no-judge': { type: 'boolean' },
  fresh: { type: 'boolean' },
  resume: { type: 'string' },
  'benchmarks-dir': { type: 'string' },
  threads: { type: 'string' },
  'context-size': { type: 'string' },
  cpu: { type: 'boolean' },
  html: { type: 'string' },
} as const;

async function runCommand(context: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: runOptions, strict: true });
  if (values.benchmark === undefined || values.benchmark.length === 0)
    throw new InflowError('USAGE', 'Say which benchmark to run: --benchmark NAME|FILE.', { hint: usage });
  if (values.profile !== undefined && values.profile !== 'structured' && values.profile !== 'agentflow') {
    throw new InflowError('USAGE', `Unknown --profile "${values.profile}".`, { hint: 'Use structured or agentflow.' });
  }
  const numbers = {
    limit: wholeNumberFlag(values.limit, 'limit', { min: 1 }, usage.split('\n')[1]),
    concurrency: wholeNumberFlag(values.concurrency, 'concurrency', { min: 1 }, usage.split('\n')[1]),
    maxSteps: wholeNumberFlag(values['max-steps'], 'max-steps', { min: 1 }, usage.split('\n')[1]),
    threads: wholeNumberFlag(values.threads, 'threads', { min: 1 }, usage.split('\n')[1]),
    contextSize: wholeNumberFlag(values['context-size'], 'context-size', { min: 1 }, usage.split('\n')[1]),
  };
  // Every benchmark is checked before any model loads: a bad file fails in a second.
  const names = values.benchmark.flatMap((value) =>
    fs.existsSync(value)
      ? [value]
      : value
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
  );
  const benchmarks = names.map((name) =>
    loadBenchmark(name, values['benchmarks-dir'] === undefined ? {} : { benchmarksDir: values['benchmarks-dir'] }),
  );
  if (values.resume !== undefined && benchmarks.length > 1)
    throw new InflowError('USAGE', '--resume takes a single benchmark.', {
      hint: 'Resume each evaluation on its own, or leave out --resume: unfinished ones resume by themselves.',
    });
  const backend = await context.backend();
  const evalStore = backend.evaluations;
  // The built-in tools as Ask offers them: network tools only when the privacy setting (or --web) allows.
  const settings = backend.settings.read();
  if (values.web === true) {
    backend.network.grant('web');
    backend.network.grant('wikipedia');
  }
  const sandbox = new PythonSandbox();
  try {
    const tools = builtinTools({
      webAccess: settings.privacy.networkTools || values.web === true,
      wikipediaOnline: settings.privacy.wikipediaOnline || values.web === true,
      network: backend.network,
      knowledge: backend.knowledge(),
      sandbox,
      ...(values.tools === undefined
        ? {}
        : {
            only: values.tools
              .split(',')
              .map((name) => name.trim())
              .filter((name) => name !== ''),
          }),
    });
    const evaluate = (adapterId: string | undefined, evaluationId: string | undefined) =>
      evaluatePlanner({
        backend,
        evalStore,
        benchmarks,
        tools,
        ...(values.model === undefined ? {} : { model: values.model }),
        ...(adapterId === undefined ? {} : { adapterId }),
        ...(evaluationId === undefined ? {} : { evaluationId }),
        ...(values['judge-model'] === undefined ? {} : { judgeModel: values['judge-model'] }),
        noJudge: values['no-judge'] === true,
        gpu: values.cpu === true ? false : 'auto',
        ...definedOnly(numbers),
        fresh: values.fresh === true,
        signal: context.signal,
        ...(values.profile === undefined ? {} : { profile: values.profile as 'structured' | 'agentflow' }),
        onProgress: (event) => {
          if (event.type === 'evaluation-start') {
            context.print(
              `${event.resumed ? 'Resuming' : 'Starting'} evaluation ${event.evaluation.id}: ${event.evaluation.benchmark}, ${plannerLabel(event.evaluation)}; ${event.alreadyScored} scored, ${event.toRun} to run.`,
            );
          } else if (event.type === 'item-scored') {
            const reason = event.reason.length > 90 ? `${event.reason.slice(0, 87)}...` : event.reason;
            context.print(
              `  [${event.scored}/${event.planned}] item ${event.position} ${event.correct ? 'correct' : 'wrong'} (${event.method}: ${reason.replace(/\s+/g, ' ')}) — running accuracy ${((100 * event.correctSoFar) / event.scored).toFixed(1)}%`,
            );
          }
        },
      });
    const evaluations: EvaluationRecord[] = [];
    if (values.against !== undefined) evaluations.push(...(await evaluate(values.against === 'base' ? undefined : values.against, undefined)));
    if (!evaluations.some((e) => e.status === 'cancelled')) evaluations.push(...(await evaluate(values.adapter, values.resume)));
    const ids = evaluations.map((e) => e.id);
    writeReports(
      context,
      buildEvalReport({ stores: backend, evaluationIds: ids }),
      backend.paths.reports,
      values.html,
      ids.length <= 2 ? ids.join('-vs-') : `${ids[0]}+${ids.length - 1}`,
    );
    if (evaluations.some((e) => e.status === 'cancelled')) {
      context.print(`\nStopped. Run the same command again to resume evaluation ${ids.at(-1)}.`);
      return ExitCode.cancelled;
    }
    return ExitCode.ok;
  } finally {
    sandbox.dispose();
  }
}

async function listCommand(context: CliContext): Promise<number> {
  const backend = await context.backend();
  const store = backend.evaluations;
  const evaluations = store.listWithCounts({ limit: 100 });
  if (context.json) context.printJson(evaluations);
  else if (evaluations.length === 0) context.print('No evaluations yet. Start one with: inflow eval --benchmark gameof24 --limit 10');
  else
    for (const e of evaluations) {
      context.print(
        `${e.id}  ${new Date(e.createdAt).toISOString().slice(0, 16)}  ${e.benchmark.padEnd(10)} ${plannerLabel(e).padEnd(40)} ${`${e.scored}/${e.plannedCount}`.padStart(8)}  ${e.accuracy === null ? '-' : `${(100 * e.accuracy).toFixed(1)}%`}  ${e.status}`,
      );
    }
  return ExitCode.ok;
}

async function reportCommand(context: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { html: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length === 0)
    throw new InflowError('USAGE', 'Name the evaluation(s) to report: inflow eval report ID [ID2].', { hint: 'List them with: inflow eval list' });
  const backend = await context.backend();
  const report = buildEvalReport({ stores: backend, evaluationIds: positionals });
  writeReports(context, report, backend.paths.reports, values.html, positionals.join('-vs-'));
  return ExitCode.ok;
}

async function itemsCommand(context: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { wrong: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const id = positionals[0];
  if (id === undefined)
    throw new InflowError('USAGE', 'Name the evaluation: inflow eval items ID [--wrong].', { hint: 'List them with: inflow eval list' });
  const backend = await context.backend();
  const store = backend.evaluations;
  if (store.get(id) === undefined)
    throw new InflowError('EVALUATION_NOT_FOUND', `No evaluation ${id}.`, { hint: 'List them with: inflow eval list' });
  const items = store.items(id).filter((item) => values.wrong !== true || !item.correct);
  if (context.json) context.printJson(items);
  else
    for (const item of items) {
      context.print(
        `#${item.position} ${item.correct ? 'correct' : 'wrong'} (${item.method}) answer ${JSON.stringify(item.extracted ?? '')} expected ${item.expected.map((e) => JSON.stringify(e)).join(' | ')}`,
      );
      if (item.question !== null) context.print(`    Q: ${item.question.replace(/\s+/g, ' ').slice(0, 120)}`);
      context.print(
        `    ${item.reason.replace(/\s+/g, ' ')}${item.runId === null ? '' : `  [run ${item.runId}, ${item.stopReason ?? '?'}, ${item.steps} steps]`}`,
      );
    }
  return ExitCode.ok;
}

export const command: CliCommand = {
  name: 'eval',
  summary: 'run a benchmark through the agent, score it, resume, and report (terminal, JSON, HTML)',
  usage,
  async run(context, args) {
    if (args[0] === 'list') {
      parseArgs({ args: args.slice(1), options: {} });
      return listCommand(context);
    }
    if (args[0] === 'items') return itemsCommand(context, args.slice(1));
    if (args[0] === 'report' || args[0] === 'compare') return reportCommand(context, args.slice(1));
    return runCommand(context, args);
  },
};
