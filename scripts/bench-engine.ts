/**
 * `npm run bench:engine`: (1) prompt and generation tokens/s through Inflow's engine against a raw node-llama-cpp
 * context sequence, like for like: the reference evaluates exactly the token ids Inflow rendered, with the same
 * sampler options (temperature, seed, node-llama-cpp's defaults otherwise) and the same metadata request (the
 * sampled token's probability when T > 0), on a context created with the same options; both sides keep their
 * history and reuse the same prefix (node-llama-cpp's `adaptStateToTokens`, as Inflow does); both are timed from
 * the start of evaluation to the first token (prompt) and from there to the last token (generation), each side's
 * tokens counted by itself. The side that goes first alternates; the ratio of every run is paired and reported as
 * median [min-max]. (2) The store's write latency per recorded module call over 10,000 RunStore.recordModuleCall calls.
 * Options: --threads N (default 1), --runs N (default 7), --tokens N (default 128), --calls N (default 10000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Token } from 'node-llama-cpp';
import { renderChatPrompt } from '../electron/core/llm/chat-prompt.ts';
import { getEngine } from '../electron/core/llm/engine.ts';
import { openDatabase } from '../electron/core/store/database.ts';
import { RunStore } from '../electron/core/store/run-store.ts';
import { testModelPath } from '../test/support/test-model.ts';

const { values } = parseArgs({
  options: { threads: { type: 'string' }, runs: { type: 'string' }, tokens: { type: 'string' }, calls: { type: 'string' } },
});
const threads = Number(values.threads ?? 1);
const runs = Number(values.runs ?? 7);
const maxTokens = Number(values.tokens ?? 128);
const calls = Number(values.calls ?? 10_000);

const cpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? NaN;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface SideRun {
  promptTokens: number;
  responseTokens: number[];
  promptMs: number;
  generateMs: number;
  cpu: number;
}
interface Figures {
  prompt: number[];
  generate: number[];
  perCpuSecond: number[];
}

async function benchEngine(): Promise<void> {
  const modelOptions = { arch: 'qwen2', vocab: 'qwen2', nEmbd: 512, nLayer: 6, nHead: 8, nHeadKv: 2, nFf: 1536, dtype: 'f16', seed: 3 } as const;
  const file = testModelPath(modelOptions);
  const engine = await getEngine({ gpu: false });
  const contextSize = 2048;
  const model = await engine.loadModel({ path: file, contextSize, threads });
  // the options Inflow's context factory passes for these settings (context-factory.ts)
  const reference = await model.llamaModel.createContext({ contextSize, sequences: 1, threads, failedCreationRemedy: false });
  const sequence = reference.getSequence();
  const filler = 'Plan the next step: decide which tool to call, with which arguments, and why it helps answer the question. ';
  const prompt = (run: number) => `Run ${run} ${Math.random().toString(36).slice(2)}. ${filler.repeat(12)}`;
  let reused = 0;
  let differing = 0;

  const measure = async (temperature: number) => {
    const ours: Figures = { prompt: [], generate: [], perCpuSecond: [] };
    const theirs: Figures = { prompt: [], generate: [], perCpuSecond: [] };
    for (let run = -1; run < runs; run++) {
      const messages = [{ role: 'user' as const, content: prompt(run) }];
      const seed = 1000 + run;
      const tokens = renderChatPrompt(model.llamaModel, model.chatWrapper, messages).tokens;
      const runOurs = async (): Promise<SideRun> => {
        const cpuStart = cpuSeconds();
        const generation = await model.generate({ messages, sampling: { temperature, seed, maxTokens } });
        const { promptMs, generateMs } = generation.timings;
        return {
          promptTokens: generation.promptTokens.length,
          responseTokens: generation.responseTokens,
          promptMs,
          generateMs,
          cpu: cpuSeconds() - cpuStart,
        };
      };
      const runTheirs = async (): Promise<SideRun> => {
        const cpuStart = cpuSeconds();
        await sequence.adaptStateToTokens(tokens, false);
        if (sequence.nextTokenIndex >= tokens.length)
          await sequence.eraseContextTokenRanges([{ start: tokens.length - 1, end: sequence.nextTokenIndex }]);
        reused = sequence.nextTokenIndex;
        const responseTokens: number[] = [];
        const started = performance.now();
        let first: number | undefined;
        const evaluation = sequence.evaluateWithMetadata(
          tokens.slice(sequence.nextTokenIndex),
          { confidence: temperature > 0 },
          { temperature, seed, yieldEogToken: true },
        );
        for await (const output of evaluation) {
          first ??= performance.now();
          responseTokens.push(output.token);
          if (model.llamaModel.isEogToken(output.token) || responseTokens.length >= maxTokens) break;
        }
        const ended = performance.now();
        model.llamaModel.detokenize(responseTokens as Token[]);
        return {
          promptTokens: tokens.length,
          responseTokens,
          promptMs: (first ?? ended) - started,
          generateMs: ended - (first ?? ended),
          cpu: cpuSeconds() - cpuStart,
        };
      };
      // Alternate which side goes first, so drifting load on the machine does not favour one of them.
      const oursFirst = run % 2 === 0;
      const a = oursFirst ? await runOurs() : await runTheirs();
      const b = oursFirst ? await runTheirs() : await runOurs();
      const [o, t] = oursFirst ? [a, b] : [b, a];
      if (o.responseTokens.join() !== t.responseTokens.join()) differing++;
      if (run < 0) continue; // warm-up
      for (const [side, figures] of [
        [o, ours],
        [t, theirs],
      ] as const) {
        figures.prompt.push(side.promptTokens / (side.promptMs / 1000));
        figures.generate.push((side.responseTokens.length - 1) / (side.generateMs / 1000));
        figures.perCpuSecond.push((side.promptTokens + side.responseTokens.length) / side.cpu);
      }
    }
    return { ours, theirs };
  };
  const greedy = await measure(0);
  const sampled = await measure(0.8);
  const info = await engine.info();
  console.log(
    `Engine benchmark: ${path.basename(file)} (qwen2, ${modelOptions.nLayer} layers, n_embd ${modelOptions.nEmbd}, 151,665-token vocab, f16)`,
  );
  console.log(
    `  backend ${info.backend}, threads ${threads}, context ${contextSize}, up to ${maxTokens} new tokens, ${runs} runs each + 1 warm-up, ${os.cpus().length} CPUs`,
  );
  console.log('  reference: raw node-llama-cpp LlamaContextSequence.evaluateWithMetadata on the same token ids and sampler options');
  const spread = (list: number[]) => `${median(list).toFixed(3)} [${Math.min(...list).toFixed(3)}-${Math.max(...list).toFixed(3)}]`;
  const row = (label: string, a: number[], b: number[]) => {
    const ratios = a.map((value, index) => value / (b[index] as number));
    console.log(
      `  ${label.padEnd(30)} inflow ${median(a).toFixed(1).padStart(8)}   node-llama-cpp ${median(b).toFixed(1).padStart(8)}   ratio ${spread(ratios)}`,
    );
  };
  row('prompt tok/s, greedy', greedy.ours.prompt, greedy.theirs.prompt);
  row('generation tok/s, greedy', greedy.ours.generate, greedy.theirs.generate);
  row('prompt tok/s, T=0.8', sampled.ours.prompt, sampled.theirs.prompt);
  row('generation tok/s, T=0.8', sampled.ours.generate, sampled.theirs.generate);
  row('tokens per CPU-s, greedy', greedy.ours.perCpuSecond, greedy.theirs.perCpuSecond);
  row('tokens per CPU-s, T=0.8', sampled.ours.perCpuSecond, sampled.theirs.perCpuSecond);
  console.log(`  (ratio = inflow / node-llama-cpp per run, median [min-max]; both reuse the same cached prefix, ${reused} tokens in the last run;`);
  console.log(`   runs whose generated tokens differed between the sides: ${differing} of ${2 * (runs + 1)})`);
  console.log('  ("per CPU-s" counts prompt + generated tokens per CPU-second of this process over the whole call: Inflow\'s');
  console.log("   generate() with its chat-template rendering, against the reference's prefix reuse + evaluation + detokenization)");
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
        runId: run.id,
        stepIdx: Math.floor(index / 4),
        module: 'planner',
        modelId: 'bench',
        adapterId: null,
        promptText,
        responseText,
        promptTokens,
        responseTokens,
        responseLogprobs,
        startedAt: Date.now(),
        durationMs: 12,
      });
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `Store benchmark: ${calls} RunStore.recordModuleCall calls (600 prompt + 120 response tokens with log-probs, ~2.5 KB prompt text), WAL`,
    );
    console.log(
      `  p50 ${percentile(latencies, 50).toFixed(3)} ms   p99 ${percentile(latencies, 99).toFixed(3)} ms   max ${(latencies.at(-1) ?? NaN).toFixed(3)} ms   db ${(fs.statSync(path.join(dir, 'inflow.db')).size / 1e6).toFixed(1)} MB + WAL`,
    );
    db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await benchEngine();
benchStore();
