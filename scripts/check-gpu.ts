/**
 * `npm run check:gpu`: everything that can only be checked on a machine with a GPU, in one command:
 *  1. the GPU self-check (electron/core/training/trainer/device-self-check.ts) on the test model, with its figures;
 *  2. the trainer's parity and gradient tests with the trainer on the GPU (INFLOW_TEST_TRAINER_GPU=1);
 *  3. `bench:trainer --gpu`.
 * Exits 1 when there is no GPU (saying so) or when any part fails.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { deviceUnderTest, runSelfCheckIsolated, selfCheckTolerance } from '../electron/core/training/trainer/device-self-check.ts';
import { testModelPath } from '../test/support/test-model.ts';

const root = path.resolve(import.meta.dirname, '..');
const target = await deviceUnderTest({ ...process.env, INFLOW_SELF_CHECK_DEVICE: '' });
if (target.name === null) {
  console.error(
    'check:gpu: node-llama-cpp loaded no GPU backend on this machine, so there is nothing to check. Run it where a GPU and its driver are installed ("npx node-llama-cpp inspect gpu" says what node-llama-cpp sees).',
  );
  process.exit(1);
}
console.log(`check:gpu on ${target.name} (${target.key})`);
const failures: string[] = [];

const check = await runSelfCheckIsolated({ modelPath: testModelPath(), key: target.key, device: target.name });
console.log(`1. self-check: ${check.passed ? 'PASSED' : `FAILED: ${check.reason}`}`);
if (check.logprobMaxAbsDiff !== undefined) {
  console.log(
    `   log-probs max |Δ| ${check.logprobMaxAbsDiff.toExponential(2)} (limit ${selfCheckTolerance.logprobAbs}), gradients rel. error ${check.gradientRelError!.toExponential(2)} (limit ${selfCheckTolerance.gradientRel})`,
  );
  console.log(
    `   step ${check.deviceStepSeconds!.toFixed(3)} s on the GPU, ${check.cpuStepSeconds!.toFixed(3)} s on the CPU (one tiny step: start-up dominated)`,
  );
}
if (!check.passed) failures.push('self-check');

const node = process.execPath;
const tests = spawnSync(
  node,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', 'test/integration/trainer/parity.test.ts', 'test/integration/trainer/gradients.test.ts'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, INFLOW_TEST_TRAINER_GPU: '1' } },
);
console.log(`2. parity and gradient tests on the GPU: ${tests.status === 0 ? 'PASSED' : 'FAILED'}`);
if (tests.status !== 0) failures.push('parity/gradient tests');

const bench = spawnSync(node, [path.join(root, 'scripts', 'bench-trainer.ts'), '--gpu'], { cwd: root, stdio: 'inherit' });
console.log(`3. bench:trainer --gpu: ${bench.status === 0 ? 'done' : 'FAILED'}`);
if (bench.status !== 0) failures.push('bench:trainer');

if (failures.length > 0) {
  console.error(`check:gpu: ${failures.join(', ')} failed.`);
  process.exit(1);
}
console.log('check:gpu: all passed.');
