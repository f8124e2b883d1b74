/**
 * `npm run bench:engine`: (1) prompt and generation tokens/s through Inflow's engine against node-llama-cpp's
 * own LlamaChatSession, on the same model, context settings and prompts, alternating runs; (2) the store's
 * write latency per recorded module call over 10,000 RunStore.recordModuleCall calls.
 * Options: --threads N (default 1), --runs N (default 5), --tokens N (default 128), --calls N (default 10000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LlamaChatSession } from 'node-llama-cpp';
import { getEngine } from '../electron/core/llm/engine.ts';
import { openDatabase } from '../electron/core/store/database.ts';
import { RunStore } from '../electron/core/store/run-store.ts';
import { testModelPath } from '../test/support/test-model.ts';

const { values } = parseArgs({ options: { threads: { type: 'string' }, runs: { type: 'string' }, tokens: { type: 'string' }, calls: { type: 'string' } } });
const threads = Number(values.threads ?? 1);
const runs = Number(values.runs ?? 5);
const maxTokens = Number(values.tokens ?? 128);
const calls = Number(values.calls ?? 10_000);

const cpuSeconds = () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6; };
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? NaN;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function benchEngine(): Promise<void> {
  const modelOptions = { arch: 'qwen2', vocab: 'qwen2', nEmbd: 512, nLayer: 6, nHead: 8, nHeadKv: 2, nFf: 1536, dtype: 'f16', seed: 3 } as const;
  const file = testModelPath(modelOptions);
  const engine = await getEngine({ gpu: false });
  const contextSize = 2048;
  const model = await engine.loadModel({ path: file, contextSize, threads });
  const reference = await model.llamaModel.createContext({ contextSize, threads });
  const referenceSequence = reference.getSequence();
  const filler = 'Plan the next step: decide which tool to call, with which arguments, and why it helps answer the question. ';
  const prompt = (run: number) => `Run ${run} ${Math.random().toString(36).slice(2)}. ${filler.repeat(12)}`;

  const measure = async (temperature: number) => {
    const ours = { prompt: [] as number[], generate: [] as number[], perCpuSecond: [] as number[] };
    const theirs = { prompt: [] as number[], generate: [] as number[], perCpuSecond: [] as number[] };
    for (let run = -1; run < runs; run++) {
      const text = prompt(run);
      const seed = 1000 + run;
      const runOurs = async () => {
        const cpuStart = cpuSeconds();
        const generation = await model.generate({ messages: [{ role: 'user', content: text }], sampling: { temperature, seed, maxTokens } });
        return { generation, cpu: cpuSeconds() - cpuStart };
      };
      const runTheirs = async () => {
        const session = new LlamaChatSession({ contextSequence: referenceSequence, autoDisposeSequence: false });
        const cpuStart = cpuSeconds();
        const started = performance.now();
        let first: number | undefined;
        let count = 0;
        await session.prompt(text, { temperature, seed, maxTokens, onToken: (tokens) => { first ??= performance.now(); count += tokens.length; } });
        const ended = performance.now();
        const cpu = cpuSeconds() - cpuStart;
        session.dispose({ disposeSequence: false });
        await referenceSequence.clearHistory();
        return { started, first: first ?? ended, ended, count, cpu };
      };
      // Alternate which side goes first, so drifting load on the machine does not favour one of them.
      const oursFirst = run % 2 === 0;
      const a = oursFirst ? await runOurs() : undefined;
      const reference = await runTheirs();
      const { generation, cpu: oursCpu } = a ?? await runOurs();
      if (run < 0) continue; // warm-up
      ours.prompt.push(generation.promptTokens.length / (generation.timings.promptMs / 1000));
      ours.generate.push((generation.responseTokens.length - 1) / (generation.timings.generateMs / 1000));
      theirs.prompt.push(generation.promptTokens.length / ((reference.first - reference.started) / 1000));
      theirs.generate.push((reference.count - 1) / ((reference.ended - reference.first) / 1000));
      ours.perCpuSecond.push((generation.promptTokens.length + generation.responseTokens.length) / oursCpu);
      theirs.perCpuSecond.push((generation.promptTokens.length + reference.count) / reference.cpu);
    }
    return { ours, theirs };
  };
  const greedy = await measure(0);
  const sampled = await measure(0.8);
  const info = await engine.info();
  console.log(`Engine benchmark: ${path.basename(file)} (qwen2, ${modelOptions.nLayer} layers, n_embd ${modelOptions.nEmbd}, 151,665-token vocab, f16)`);
  console.log(`  backend ${info.backend}, threads ${threads}, context ${contextSize}, ${maxTokens} new tokens, ${runs} runs each (median), ${os.cpus().length} CPUs`);
  const row = (label: string, a: number[], b: number[]) =>
    console.log(`  ${label.padEnd(30)} inflow ${median(a).toFixed(1).padStart(8)} tok/s   node-llama-cpp ${median(b).toFixed(1).padStart(8)} tok/s   ratio ${(median(a) / median(b)).toFixed(3)}`);
  row('prompt, greedy', greedy.ours.prompt, greedy.theirs.prompt);
  row('generation, greedy', greedy.ours.generate, greedy.theirs.generate);
  row('prompt, T=0.8 top-k 40', sampled.ours.prompt, sampled.theirs.prompt);
  row('generation, T=0.8 top-k 40', sampled.ours.generate, sampled.theirs.generate);
  row('all, greedy, per CPU-second', greedy.ours.perCpuSecond, greedy.theirs.perCpuSecond);
  row('all, T=0.8, per CPU-second', sampled.ours.perCpuSecond, sampled.theirs.perCpuSecond);
  console.log('  (tok/s rows are wall-clock; "per CPU-second" rows count prompt + generated tokens per CPU-second of this');
  console.log('   process, which other load on the machine disturbs less)');
  console.log('  (inflow also returns prompt/response token ids and a log-prob per sampled token; the reference returns text only)');
  await reference.dispose();
  await model.dispose();
}

function benchStore(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-bench-'));
  try {
    const db = openDatabase(path.join(dir, 'inflow.db'));
    const store = new RunStore(db);
    const task = store.createTask({ question: 'How many moons does Mars have?' });
    const run = store.startRun({ taskId: task.id });
    const promptTokens = Array.from({ length: 600 }, (_, index) => (index * 7919) % 151_000);
    const responseTokens = Array.from({ length: 120 }, (_, index) => (index * 104_729) % 151_000);
    const responseLogprobs = responseTokens.map((_, index) => -Math.abs(Math.sin(index)) * 3);
    const promptText = 'You are the planner. '.repeat(120);
    const responseText = '{"subGoal":"look up the number of moons","tool":"web_search"}'.repeat(4);
    const latencies: number[] = [];
    for (let index = 0; index < calls; index++) {
      const started = performance.now();
      store.recordModuleCall({
        runId: run.id, stepIdx: Math.floor(index / 4), module: 'planner', modelId: 'bench', adapterId: null,
        promptText, responseText, promptTokens, responseTokens, responseLogprobs, startedAt: Date.now(), durationMs: 12,
      });
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    console.log(`Store benchmark: ${calls} RunStore.recordModuleCall calls (600 prompt + 120 response tokens with log-probs, ~2.5 KB prompt text), WAL`);
    console.log(`  p50 ${percentile(latencies, 50).toFixed(3)} ms   p99 ${percentile(latencies, 99).toFixed(3)} ms   max ${(latencies.at(-1) ?? NaN).toFixed(3)} ms   db ${(fs.statSync(path.join(dir, 'inflow.db')).size / 1e6).toFixed(1)} MB + WAL`);
    db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await benchEngine();
benchStore();
