/**
 * The learning-efficiency figure of the project: for each acceptance suite (test/integration/training/learning-suites.ts)
 * and model seed, Flow-GRPO and its shuffled-reward control from the same untrained planner; printed per run: the
 * untrained held-out success, the mean of the last four evaluations, and the steps and wall time until held-out success
 * first reaches 90 %. Curves are drawn per suite (SVG + PNG) under .cache/learning-curves/bench-<suite>.*.
 *
 *   npm run bench:learning -- [--suites multi-turn,partly-right] [--seeds 1,2,3] [--dynamic-sampling N] [--side-by-side]
 *
 * Trained and control runs alternate which goes first from one seed to the next, so that a change in machine load
 * does not favour one side; wall times on a shared machine move with its load. `--side-by-side` runs a seed's two
 * runs at once, one core each, as the acceptance test does (half the wall time on two cores; each run's times then
 * include sharing the machine with the other).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../electron/core/paths.ts';
import { lastFour, runSuite, suites, timeToTarget, type CurvePoint, type LearningSuite } from '../test/integration/training/learning-suites.ts';
import { writeCurvePictures } from './plot-learning-curve.ts';

const pct = (value: number | null | undefined) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '—');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { suites: { type: 'string' }, seeds: { type: 'string' }, 'dynamic-sampling': { type: 'string' }, 'side-by-side': { type: 'boolean' } },
  });
  const names = (values.suites ?? 'multi-turn,partly-right').split(',') as Array<LearningSuite['name']>;
  const seeds = (values.seeds ?? '1,2,3').split(',').map(Number);
  const extra = values['dynamic-sampling'] ? { dynamicSampling: Number(values['dynamic-sampling']) } : {};
  console.log(
    `bench:learning on ${os.cpus().length} cores (load average ${os.loadavg()[0]!.toFixed(1)}), seeds ${seeds.join(', ')}, 90 % held-out target`,
  );
  const rows: string[] = [
    '| suite | seed | run | untrained | last four | steps to 90 % | wall time to 90 % | run time |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const name of names) {
    const suite = suites[name];
    if (suite === undefined) throw new Error(`No suite "${name}" (multi-turn, partly-right).`);
    const curves: Record<string, CurvePoint[]> = {};
    for (const [index, seed] of seeds.entries()) {
      const order = index % 2 === 0 ? [false, true] : [true, false];
      const run = async (shuffle: boolean) => {
        const started = Date.now();
        const curve = await runSuite(suite, seed, shuffle, extra);
        return { shuffle, curve, seconds: (Date.now() - started) / 1000 };
      };
      const done = [];
      if (values['side-by-side']) done.push(...(await Promise.all(order.map(run))));
      else for (const shuffle of order) done.push(await run(shuffle));
      for (const { shuffle, curve, seconds } of done) {
        const label = shuffle ? 'shuffled rewards' : 'Flow-GRPO';
        curves[`seed ${seed} ${label}`] = curve;
        const hit = timeToTarget(curve);
        const row = `| ${name} | ${seed} | ${label} | ${pct(curve[0]?.heldoutAccuracy)} | ${pct(lastFour(curve))} | ${hit ? hit.step : 'not reached'} | ${hit ? `${hit.seconds.toFixed(0)} s` : '—'} | ${seconds.toFixed(0)} s |`;
        rows.push(row);
        console.log(row);
      }
    }
    await writeCurvePictures(
      { title: `Flow-GRPO vs shuffled rewards, ${name} suite`, curves },
      path.join(repoRoot, '.cache', 'learning-curves', `bench-${name}.svg`),
    );
  }
  console.log(`\n${rows.join('\n')}`);
}

if (import.meta.main) await main();
