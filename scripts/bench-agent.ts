/**
 * npm run bench:agent — figures for the agent runtime:
 *  1. per-step overhead of the loop excluding model time (prompt building, parsing, memory rendering,
 *     tool dispatch, SQLite recording), with an instant scripted model and an instant tool;
 *  2. Python sandbox cold start and warm call latency;
 *  3. knowledge indexing throughput and BM25 query latency at 10k and 100k passages.
 * Options: --quick (smaller sizes), --skip-sandbox, --skip-knowledge.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { runAgent } from '../electron/core/agent/run-agent.ts';
import { KnowledgeIndex } from '../electron/core/knowledge/knowledge-index.ts';
import type { GenerateRequest, Generation, LanguageModel } from '../electron/core/llm/language-model.ts';
import { openDatabase } from '../electron/core/store/database.ts';
import { RunStore } from '../electron/core/store/run-store.ts';
import { defineTool } from '../electron/core/tools/define-tool.ts';
import { PythonSandbox } from '../electron/core/tools/python/python-sandbox.ts';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-bench-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;

/** Replies instantly with a valid structured output for whichever module asks; counts its own time. */
class InstantModel implements LanguageModel {
  readonly id = 'instant';
  readonly adapterId = null;
  readonly contextSize = 8192;
  modelMs = 0;
  private step = 0;
  private readonly steps: number;
  constructor(steps: number) {
    this.steps = steps;
  }
  async generate(request: GenerateRequest): Promise<Generation> {
    const started = performance.now();
    const properties = (request.jsonSchema?.properties ?? {}) as Record<string, unknown>;
    let value: unknown;
    if ('concise_summary' in properties)
      value = { concise_summary: 'Add numbers.', required_skills: ['math'], relevant_tools: ['Addition_Tool'], additional_considerations: '' };
    else if ('tool_name' in properties)
      value = { justification: 'Adding is needed.', tool_name: 'Addition_Tool', sub_goal: 'Add the numbers', context: 'a and b' };
    else if ('input' in properties) value = { input: { a: 17, b: 25 } };
    else if ('conclusion' in properties) value = { analysis: 'More checks.', conclusion: ++this.step >= this.steps ? 'STOP' : 'CONTINUE' };
    else value = { process_summary: 'Added.', answer: '42' };
    const text = JSON.stringify(value);
    const promptText = request.messages.map((m) => m.content).join('\n');
    const generation: Generation = {
      text,
      parsed: value,
      promptText,
      promptTokens: Array.from({ length: Math.ceil(promptText.length / 4) }, (_, i) => i % 30000),
      responseTokens: Array.from({ length: Math.ceil(text.length / 4) }, (_, i) => i),
      responseLogprobs: Array.from({ length: Math.ceil(text.length / 4) }, () => -0.5),
      stopReason: 'eos',
      modelId: this.id,
      adapterId: null,
      timings: { promptMs: 0, generateMs: 0 },
    };
    this.modelMs += performance.now() - started;
    return generation;
  }
  countTokens(text: string): number {
    return Math.ceil(text.length / 4);
  }
}

async function benchLoop(): Promise<void> {
  const store = new RunStore(openDatabase(path.join(dir, 'loop.db')));
  const tool = defineTool({
    name: 'Addition_Tool',
    description: 'Adds two numbers.',
    output: 'The sum.',
    input: z.object({ a: z.number(), b: z.number() }),
    execute: async ({ a, b }) => ({ sum: a + b, note: 'x'.repeat(2000) }),
  });
  const stepsPerRun = 8;
  const runs = quick ? 20 : 60;
  const perStep: number[] = [];
  for (let i = 0; i < runs; i++) {
    const model = new InstantModel(stepsPerRun);
    let stepStart = 0;
    let modelAtStepStart = 0;
    const started = performance.now();
    await runAgent({
      question: `What is 17 + 25? (${i})`,
      models: { planner: model },
      tools: [tool],
      store,
      limits: { maxSteps: stepsPerRun + 1 },
      onEvent: (event) => {
        if (event.type === 'step-start') {
          stepStart = performance.now();
          modelAtStepStart = model.modelMs;
        }
        if (event.type === 'verification') perStep.push(performance.now() - stepStart - (model.modelMs - modelAtStepStart));
      },
    });
    if (i === 0) console.log(`  first run (warm-up) ${ms(performance.now() - started)}`);
  }
  const steady = perStep.slice(stepsPerRun);
  console.log(`Per-step overhead excluding model time (${steady.length} steps, ${stepsPerRun}-step runs, SQLite recording on):`);
  console.log(`  p50 ${ms(percentile(steady, 50))}   p95 ${ms(percentile(steady, 95))}   max ${ms(Math.max(...steady))}   (goal: p50 < 20 ms)`);
}

async function benchSandbox(): Promise<void> {
  const snapshotFile = path.join(dir, 'cache', 'pyodide.snapshot');
  const sandbox = new PythonSandbox({ timeoutMs: 10_000, snapshotFile });
  try {
    let started = performance.now();
    await sandbox.start();
    const cold = performance.now() - started;
    started = performance.now();
    await sandbox.run('print(1)');
    const first = performance.now() - started;
    // One run per process: back to back, each run waits for the next process's start from the snapshot;
    // spaced out (as between model calls), the next process is ready and a run costs what a warm run did.
    const warm: number[] = [];
    for (let i = 0; i < (quick ? 5 : 15); i++) {
      started = performance.now();
      await sandbox.run('x = sum(i * i for i in range(1000))\nprint(x)');
      warm.push(performance.now() - started);
    }
    const spaced: number[] = [];
    for (let i = 0; i < (quick ? 5 : 15); i++) {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      started = performance.now();
      await sandbox.run('x = sum(i * i for i in range(1000))\nprint(x)');
      spaced.push(performance.now() - started);
    }
    started = performance.now();
    await sandbox.run('while True: pass', { timeoutMs: 500 });
    const killed = performance.now() - started;
    started = performance.now();
    await sandbox.run('print(1)');
    const restart = performance.now() - started;
    console.log('Python sandbox (Pyodide in a locked-down process):');
    console.log(`  cold start (no snapshot yet) ${ms(cold)}   first call ${ms(first)}`);
    console.log(`  runs back to back (each waits for a fresh process) p50 ${ms(percentile(warm, 50))} p95 ${ms(percentile(warm, 95))}`);
    console.log(`  runs 3 s apart (the fresh process is ready) p50 ${ms(percentile(spaced, 50))} p95 ${ms(percentile(spaced, 95))}`);
    console.log(`  infinite loop stopped after ${ms(killed)} (limit 500 ms); next call incl. restart from the snapshot ${ms(restart)}`);
  } finally {
    sandbox.dispose();
  }
  const next = new PythonSandbox({ snapshotFile });
  try {
    const started = performance.now();
    await next.start();
    console.log(`  new session starting from the saved snapshot ${ms(performance.now() - started)}`);
  } finally {
    next.dispose();
  }
}

/** Deterministic pseudo-random text over a Zipf-like vocabulary of 20,000 words. */
function makeText(seed: number, words: number): string {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(`w${Math.floor(20000 ** random())}`);
  return out.join(' ');
}

async function benchKnowledge(): Promise<void> {
  const sizes = quick ? [10_000] : [10_000, 100_000];
  for (const size of sizes) {
    const index = new KnowledgeIndex(openDatabase(path.join(dir, `knowledge-${size}.db`)));
    index.db.prepare("INSERT INTO knowledge_sources (kind, path, added_at) VALUES ('folder', ?, ?)").run(`/bench/${size}`, Date.now());
    const sourceId = (index.db.prepare('SELECT id FROM knowledge_sources').get() as { id: number }).id;
    const perDocument = 20;
    const started = performance.now();
    for (let doc = 0; doc < size / perDocument; doc++) {
      const passages = Array.from({ length: perDocument }, (_, i) => ({
        text: makeText(doc * perDocument + i + 1, 150),
        location: `lines ${i * 10 + 1}-${i * 10 + 10}`,
      }));
      index.writeDocument(sourceId, { path: `/bench/${size}/doc-${doc}.txt`, title: `doc ${doc}`, size: 0, mtimeMs: 0, hash: String(doc) }, passages);
    }
    const seconds = (performance.now() - started) / 1000;
    const latencies: number[] = [];
    for (let q = 0; q < 200; q++) {
      const query = makeText(1_000_000 + q, 3);
      const t = performance.now();
      index.search(query, { limit: 5 });
      latencies.push(performance.now() - t);
    }
    console.log(`Knowledge index, ${size.toLocaleString('en')} passages (150 words each, written ${perDocument} per document in transactions):`);
    console.log(
      `  indexing ${(size / seconds).toFixed(0)} passages/s (${seconds.toFixed(1)} s)   query p50 ${ms(percentile(latencies, 50))} p95 ${ms(percentile(latencies, 95))}`,
    );
    index.db.close();
  }
  // End-to-end folder indexing (read, extract, chunk, write) of markdown files.
  const folder = path.join(dir, 'folder');
  fs.mkdirSync(folder);
  const files = quick ? 200 : 1000;
  for (let i = 0; i < files; i++)
    fs.writeFileSync(path.join(folder, `note-${i}.md`), `# Note ${i}\n\n${makeText(i + 7, 600).replace(/(\S+ ){40}/g, '$&\n')}`);
  const index = new KnowledgeIndex(openDatabase(path.join(dir, 'folder.db')));
  let started = performance.now();
  const { stats } = await index.addAndIndexFolder(folder);
  const full = (performance.now() - started) / 1000;
  started = performance.now();
  await index.indexFolder(index.getSource(folder)!);
  const again = performance.now() - started;
  console.log(
    `Folder indexing, ${files} markdown files (~600 words each): ${(files / full).toFixed(0)} files/s, ${(stats.passages / full).toFixed(0)} passages/s; unchanged re-index ${ms(again)}`,
  );
}

console.log(`bench:agent on ${os.cpus().length} CPUs, Node ${process.versions.node}${quick ? ' (quick)' : ''}`);
await benchLoop();
if (!args.has('--skip-sandbox')) await benchSandbox();
if (!args.has('--skip-knowledge')) await benchKnowledge();
