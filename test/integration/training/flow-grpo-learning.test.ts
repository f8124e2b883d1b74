import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../electron/core/paths.ts';
import { lastFour, runSuite, suites, timeToTarget, type CurvePoint, type LearningSuite } from './learning-suites.ts';

/**
 * ACCEPTANCE: Flow-GRPO must learn where it matters, on the two suites of learning-suites.ts, from a random-weight test
 * planner on the real agent loop, real engine and real native trainer (the product's update: 4 mini-batch updates per
 * step, old log-probs fixed first, dual clip 3; the suites' settings, chosen on development seeds 11-16: dynamic
 * sampling with per-group temperature raising, lr 5e-3, KL 0.1 to the warm start, groups of 8 for multi-turn and of 16
 * for partly-right, whose lr decays (cosine) to 5e-4 by its last step):
 *
 * - multi-turn: two planner turns in a kind-specific order, reward only at the end, broadcast to both turns (maxSteps 3);
 *   the untrained planner was shown one kind's two tools by the user (SFT on six demonstrations) and solves about that
 *   kind; training must teach it the other order;
 * - partly-right: the untrained planner (warm-started by SFT on a user's approved answers of one kind) already solves
 *   one kind of four; training must lift the rest.
 *
 * Pass marks, fixed before the first run and kept (issue #11 §3), for each of the model seeds 1, 2 and 3 (fixed in
 * advance, none picked afterwards), on a held-out split of 12 unseen items, judged on the mean of the last four
 * held-out evaluations (greedy):
 *   trained >= untrained + 40 points, trained >= 85 %, and the shuffled-reward control from the same untrained
 *   planner (the same updates, each group's rewards dealt out again among its own rollouts) <= untrained + 12.5 points.
 * The curves are printed and written to .cache/learning-curves/<suite>.json (npm run plot:learning-curve draws them).
 *
 * Duration: a seed's trained and control runs go side by side, one core each; see docs/training.md for the measured
 * times (the whole file is sized to keep CI well under its 60 minutes).
 */
const SEEDS = [1, 2, 3] as const;
const GAIN = 0.4;
const FLOOR = 0.85;
const CONTROL_MARGIN = 0.125;

const fmt = (value: number | null) => (value === null ? '   —  ' : `${(value * 100).toFixed(1).padStart(5)}%`);

function print(name: string, curve: readonly CurvePoint[]): void {
  for (const p of curve)
    console.log(
      `# ${name}: ${String(p.step).padStart(3)}  held-out ${fmt(p.heldoutAccuracy)}  reward ${fmt(p.rewardMean)}  clip ${p.clipFraction?.toFixed(3) ?? '—'}  kl ${p.kl?.toFixed(4) ?? '—'}`,
    );
}

async function acceptance(suite: LearningSuite): Promise<void> {
  assert.ok(suite.heldOut >= 12, 'held-out splits of at least 12 items');
  const curves: Record<string, CurvePoint[]> = {};
  const failures: string[] = [];
  for (const seed of SEEDS) {
    // the two runs of a seed side by side: each holds one core (planner and trainer take turns), and CI has two
    const [trained, control] = await Promise.all([runSuite(suite, seed, false), runSuite(suite, seed, true)]);
    print(`${suite.name} seed ${seed} Flow-GRPO`, trained);
    print(`${suite.name} seed ${seed} control`, control);
    curves[`seed ${seed} Flow-GRPO`] = trained;
    curves[`seed ${seed} shuffled rewards`] = control;
    const base = trained[0]!.heldoutAccuracy!;
    assert.equal(control[0]!.heldoutAccuracy, base, 'both runs start from the same planner');
    const final = lastFour(trained);
    const controlFinal = lastFour(control);
    const hit = timeToTarget(trained);
    console.log(
      `# ${suite.name} seed ${seed}: untrained ${fmt(base)}, trained ${fmt(final)}, control ${fmt(controlFinal)} (last four); ` +
        `90 % held-out first at ${hit ? `step ${hit.step}, ${hit.seconds.toFixed(0)} s of training` : 'no step'}`,
    );
    if (final < base + GAIN - 1e-9) failures.push(`seed ${seed}: trained ${fmt(final)} is less than untrained ${fmt(base)} + 40 points`);
    if (final < FLOOR) failures.push(`seed ${seed}: trained ${fmt(final)} is below 85 %`);
    if (controlFinal > base + CONTROL_MARGIN + 1e-9)
      failures.push(`seed ${seed}: the shuffled-reward control reached ${fmt(controlFinal)}, above untrained ${fmt(base)} + 12.5 points`);
  }
  const out = path.join(repoRoot, '.cache', 'learning-curves', `${suite.name}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ title: `Flow-GRPO, ${suite.name} suite (test planner, CPU)`, metric: 'heldoutAccuracy', curves }, null, 2));
  assert.deepEqual(failures, [], failures.join('; '));
}

test(
  'ACCEPTANCE multi-turn: two planner turns in the right order, reward at the end; seeds 1-3 learn, shuffled rewards do not',
  { timeout: 3_600_000 },
  async () => {
    await acceptance(suites['multi-turn']);
  },
);

test(
  'ACCEPTANCE partly-right: a planner that solves one kind of four learns the rest; seeds 1-3, shuffled rewards do not',
  { timeout: 3_600_000 },
  async () => {
    await acceptance(suites['partly-right']);
  },
);
