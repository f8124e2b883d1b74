/**
 * Reruns the kill trials of the fault review and prints the counts:
 *  - N `inflow ask` runs killed with SIGKILL at a random moment while their run is recorded as running; after
 *    each, the next start must mark the killed run interrupted (and only it);
 *  - M Flow-GRPO training runs (the synthetic suite on a small test model, as the kill -9 test uses) killed
 *    with SIGKILL at a random event and resumed with `--resume` until done; every finished rollout's turn
 *    samples must be consumed by exactly one step, and no killed attempt may leave a step or adapter behind.
 * Usage: npm run check:crash -- [--asks N] [--trains M] [--seed S]   (defaults: 5 asks, 1 train)
 * Exits 1 when any count is off. Takes minutes: the ask trials a few seconds each, a training run one to two.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { createBackend } from '../electron/core/backend.ts';
import { openDatabase } from '../electron/core/store/database.ts';
import { repoRoot } from '../electron/core/paths.ts';
import { seededSampler } from '../electron/core/training/seeded-random.ts';
import { testModelPath } from '../test/support/test-model.ts';

const { values } = parseArgs({
  options: { asks: { type: 'string', default: '5' }, trains: { type: 'string', default: '1' }, seed: { type: 'string', default: '1' } },
});
const asks = Number(values.asks);
const trains = Number(values.trains);
const random = seededSampler(Number(values.seed));
const node = path.join(repoRoot, 'node_modules', '.bin', 'node');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-crash-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ids of runs the database says are running (read by a separate connection, as another process would). */
function runningRuns(dataDir: string): string[] {
  const file = path.join(dataDir, 'inflow.db');
  if (!fs.existsSync(file)) return [];
  try {
    const db = openDatabase(file, { readonly: true });
    try {
      return (db.prepare("SELECT id FROM runs WHERE status = 'running'").all() as Array<{ id: string }>).map((row) => row.id);
    } finally {
      db.close();
    }
  } catch {
    return []; // being created or migrated right now
  }
}

async function askTrials(): Promise<{ killed: number; markedInterrupted: number; leftRunning: number; notKilled: number }> {
  const dataDir = path.join(work, 'asks');
  const model = testModelPath();
  const counts = { killed: 0, markedInterrupted: 0, leftRunning: 0, notKilled: 0 };
  for (let trial = 0; trial < asks; trial++) {
    const child = spawn(
      node,
      [
        path.join(repoRoot, 'electron', 'cli', 'index.ts'),
        'ask',
        `What is ${trial} + 17?`,
        '--model',
        model,
        '--cpu',
        '--threads',
        '1',
        '--context-size',
        '1024',
        '--tools',
        'python',
        '--max-steps',
        '3',
        '--data-dir',
        dataDir,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let victim: string | undefined;
    while (child.exitCode === null && child.signalCode === null) {
      const running = runningRuns(dataDir);
      if (running.length > 0) {
        victim = running[0];
        break;
      }
      await sleep(50);
    }
    if (victim === undefined) {
      counts.notKilled++;
      await exited;
      continue;
    }
    await sleep(random.uniform() * 1500); // somewhere in the run: a model call, a tool, a write
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    if (child.signalCode !== 'SIGKILL') {
      counts.notKilled++;
      continue;
    }
    counts.killed++;
    const backend = await createBackend({ dataDir }); // a start: closes runs whose process is gone
    const run = backend.runs.getRun(victim);
    if (run?.status === 'ended' && run.stopReason === 'interrupted') counts.markedInterrupted++;
    counts.leftRunning += (backend.db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'running'").get() as { n: number }).n;
    await backend.close();
  }
  return counts;
}

/** One training run killed at a random event, then resumed until it completes (each resume may be killed too). */
async function trainTrial(trial: number): Promise<{
  kills: number;
  resumes: number;
  complete: boolean;
  samples: number;
  consumedOnce: number;
  wrongStep: number;
  unconsumed: number;
  adapters: number;
  steps: number;
}> {
  const dataDir = path.join(work, `train-${trial}`);
  const childScript = path.join(repoRoot, 'test', 'integration', 'training', 'train-child.ts');
  let kills = 0;
  let resumes = 0;
  let done = false;
  for (let attempt = 0; !done && attempt < 10; attempt++) {
    const killAt = attempt < 3 ? 2 + Math.floor(random.uniform() * 25) : Infinity; // the event count to kill at
    const child = spawn(node, [childScript, dataDir, ...(attempt > 0 ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    if (attempt > 0) resumes++;
    let events = 0;
    readline.createInterface({ input: child.stdout }).on('line', () => {
      if (++events >= killAt && child.exitCode === null) child.kill('SIGKILL');
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    if (signal === 'SIGKILL') kills++;
    else if (code === 0) done = true;
    else throw new Error(`training attempt ${attempt} failed with exit ${code}`);
  }
  const db = openDatabase(path.join(dataDir, 'inflow.db'));
  try {
    const run = db.prepare('SELECT status, last_completed_step AS step FROM training_runs').get() as { status: string; step: number };
    const sample = db
      .prepare(
        `SELECT COUNT(s.id) AS samples, COUNT(s.consumed_step) AS consumed, COALESCE(SUM(s.consumed_step <> g.step), 0) AS wrong
      FROM turn_samples s JOIN rollout_groups g ON g.id = s.group_id WHERE g.status = 'consumed'`,
      )
      .get() as { samples: number; consumed: number; wrong: number };
    const unconsumed = (db.prepare('SELECT COUNT(*) AS n FROM turn_samples WHERE consumed_step IS NULL').get() as { n: number }).n;
    const adapters = (db.prepare('SELECT COUNT(*) AS n FROM adapters').get() as { n: number }).n;
    return {
      kills,
      resumes,
      complete: run.status === 'completed',
      samples: sample.samples,
      consumedOnce: sample.consumed - sample.wrong,
      wrongStep: sample.wrong,
      unconsumed,
      adapters,
      steps: run.step,
    };
  } finally {
    db.close();
  }
}

const started = Date.now();
const ask = await askTrials();
console.log(
  `ask kills: ${ask.killed} killed (${ask.notKilled} finished before the kill), ${ask.markedInterrupted} marked interrupted, ${ask.leftRunning} left running`,
);
let ok = ask.markedInterrupted === ask.killed && ask.leftRunning === 0;
for (let trial = 0; trial < trains; trial++) {
  const result = await trainTrial(trial);
  console.log(
    `train run ${trial + 1}: ${result.kills} kills, ${result.resumes} resumes, ${result.complete ? 'completed' : 'NOT completed'} at step ${result.steps}; ` +
      `${result.samples} turn samples, ${result.consumedOnce} consumed exactly once by their own step, ${result.wrongStep} by another step, ${result.unconsumed} never consumed; ${result.adapters} adapters`,
  );
  ok &&= result.complete && result.consumedOnce === result.samples && result.unconsumed === 0 && result.adapters === result.steps;
}
console.log(`${ok ? 'OK' : 'FAILED'}: ${Math.round((Date.now() - started) / 1000)} s`);
process.exitCode = ok ? 0 : 1;
