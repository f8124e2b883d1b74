import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../electron/cli/index.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

/** Runs the CLI in this process, capturing its string output. */
async function inflow(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const capture = (sink: string[], write: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk === 'string') {
        sink.push(chunk);
        return true;
      }
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out, original.out, process.stdout);
  process.stderr.write = capture(err, original.err, process.stderr);
  try {
    const code = await main([...args, '--data-dir', dataDir]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
}

test("inflow ask --profile agentflow: the reference's tools, cards, prompts, caps and planner sampling on a real GGUF", async () => {
  const data = path.join(tempDir(), 'data');
  // A user fact, which the agentflow prompts show after the question only.
  assert.equal((await inflow(data, 'memory', 'add', 'The user prefers metric units.', '--kind', 'preference')).code, 0);
  // The catalog's AgentFlow planner and the model it was trained with (random-weight stand-ins under their ids).
  assert.equal((await inflow(data, 'models', 'add', testModelPath({ seed: 7 }), '--name', 'agentflow-planner-7b-q4_k_m')).code, 0);
  // Without --profile, the catalog's AgentFlow planner runs in the profile it was trained on.
  const alone = await inflow(
    data,
    'ask',
    'What is 2 + 2?',
    '--model',
    'agentflow-planner-7b-q4_k_m',
    '--cpu',
    '--threads',
    '1',
    '--max-steps',
    '1',
    '--tools',
    'generalist',
    '--max-tokens',
    '1',
  );
  assert.match(
    alone.stderr,
    /trained with qwen2\.5-7b-instruct-q4_k_m as executor, verifier and generator; "inflow models pull qwen2\.5-7b-instruct-q4_k_m"/,
  );
  const first = JSON.parse((await inflow(data, 'runs', 'list', '--json')).stdout) as Array<{ profile: string }>;
  assert.equal(first[0]!.profile, 'agentflow');
  assert.equal((await inflow(data, 'models', 'add', testModelPath(), '--name', 'qwen2.5-7b-instruct-q4_k_m')).code, 0);
  const ask = await inflow(
    data,
    'ask',
    'What is 17 + 25?',
    '--profile',
    'agentflow',
    '--model',
    'agentflow-planner-7b-q4_k_m',
    '--cpu',
    '--threads',
    '1',
    '--max-steps',
    '1',
    '--seed',
    '3',
  );
  assert.equal(ask.code, 0, ask.stderr);
  assert.match(ask.stdout, /Fixed modules: qwen2\.5-7b-instruct-q4_k_m/);
  const runs = JSON.parse((await inflow(data, 'runs', 'list', '--json')).stdout) as Array<{ id: string; question: string }>;
  const run = runs.find((candidate) => candidate.question === 'What is 17 + 25?')!;
  const show = JSON.parse((await inflow(data, 'runs', 'show', run.id, '--json')).stdout) as {
    calls: Array<{ module: string; modelId: string; promptText: string; meta: { sampling: Record<string, unknown> } }>;
  };
  const planner = show.calls.find((call) => call.module === 'planner')!;
  assert.equal(planner.modelId, 'agentflow-planner-7b-q4_k_m');
  assert.ok(
    show.calls.filter((call) => call.module !== 'planner').every((call) => call.modelId === 'qwen2.5-7b-instruct-q4_k_m'),
    'the fixed modules run on the paired model',
  );
  // Web access is off: of the reference's five tools, the generalist and Python are available.
  assert.match(planner.promptText, /- \*\*Available Tools:\*\* \['Generalist_Solution_Generator_Tool', 'Python_Code_Generator_Tool'\]\n/);
  assert.match(planner.promptText, /6\. Cannot use 'import' statements\.\\n/, "the reference's Python card, word for word");
  assert.match(planner.promptText, /'require_llm_engine': True\}\}\n- \*\*Previous Steps:\*\* \{\}\n/);
  assert.doesNotMatch(planner.promptText, /Unavailable tools|Knowledge_Search_Tool|Web_Search_Tool/);
  assert.match(
    planner.promptText,
    /- \*\*Query:\*\* What is 17 \+ 25\?\n\nFacts the user confirmed earlier:\n- Preference: The user prefers metric units\.\n- \*\*Query Analysis:\*\*/,
  );
  assert.match(planner.promptText, /<\|im_start\|>system\nYou are a helpful, creative, and smart assistant\.<\|im_end\|>/);
  const { maxTokens, ...sampling } = planner.meta.sampling;
  assert.deepEqual(sampling, { temperature: 0.7, topP: 0.99, topK: 0, frequencyPenalty: 1.2, seed: 4 });
  assert.ok(
    typeof maxTokens === 'number' && maxTokens <= 2048 && maxTokens > 640,
    `the reference's cap, bounded by the run's budget (${String(maxTokens)})`,
  );
  assert.ok(show.calls.every((call) => (call.meta.sampling.maxTokens as number) <= 2048));
});
