/**
 * The GPU self-check that runs before training first uses a device (a GPU, its driver as ggml names it, the
 * node-llama-cpp build and llama.cpp release): one tiny LoRA step of the model being trained, on the device and on the
 * CPU, in a separate process (a driver crash cannot take the app or the CLI down). The per-token log-probs and the
 * LoRA gradients must agree within `selfCheckTolerance`; the speed of both is measured. A pass is remembered in the
 * data folder (`trainer-device-check.json`) and training uses the device; a failure, a crash or a timeout is
 * remembered too, and training runs on the CPU with a message saying why. `inflow doctor` and Settings show it.
 *
 * Test hooks (for checking the fallback on machines without a GPU): INFLOW_SELF_CHECK_DEVICE=cpu makes the CPU the
 * device under test; INFLOW_SELF_CHECK_FAULT=perturb shifts the device's log-probs and gradients, =crash makes the
 * check's process abort.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sendToChild } from '../../child-message.ts';
import type { SelfCheckView } from '../../contract/system.ts';
import type { NativeTrainer, TrainingSample } from './native-trainer.ts';
import { seededRandom } from '../seeded-random.ts';

/** Pass marks, fixed before any run: log-probs within 0.02 nats, gradients within 5% (relative L2 error). */
export const selfCheckTolerance = { logprobAbs: 0.02, gradientRel: 0.05 } as const;
/** A check that has not answered by then counts as failed (a hung driver). */
export const selfCheckTimeoutMs = 180_000;
export const selfCheckFile = 'trainer-device-check.json';
export const SELF_CHECK_DEVICE_ENV = 'INFLOW_SELF_CHECK_DEVICE';
export const SELF_CHECK_FAULT_ENV = 'INFLOW_SELF_CHECK_FAULT';
const CHILD_ENV = 'INFLOW_SELF_CHECK_CHILD';

/** A check as Settings shows it (the contract's view), plus the key it is remembered by. */
export interface SelfCheckResult extends SelfCheckView {
  /** What was checked: device names, node-llama-cpp's GPU build and the llama.cpp release. */
  key: string;
}

/** Where training runs, and why. */
export interface TrainingDevice {
  device: 'cpu' | 'gpu';
  reason: 'requested-cpu' | 'no-gpu' | 'self-check-passed' | 'self-check-failed';
  message: string;
  check?: SelfCheckResult;
}

export function readSelfChecks(dataDir: string): Record<string, SelfCheckResult> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, selfCheckFile), 'utf8')) as Record<string, SelfCheckResult>;
  } catch {
    return {};
  }
}

function remember(dataDir: string, result: SelfCheckResult): void {
  const all = { ...readSelfChecks(dataDir), [result.key]: result };
  const file = path.join(dataDir, selfCheckFile);
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** The device under test and the key its result is remembered by (name null: no GPU). */
export async function deviceUnderTest(env: NodeJS.ProcessEnv): Promise<{ device: 'cpu' | 'gpu'; name: string | null; key: string }> {
  const { loadNativeTrainer } = await import('./native-trainer.ts');
  const module = await loadNativeTrainer({ gpu: 'auto' });
  const forced = env[SELF_CHECK_DEVICE_ENV] === 'cpu';
  const gpu = module.runtime.devices.find((d) => !d.startsWith('CPU'));
  const name = forced ? (module.runtime.devices.find((d) => d.startsWith('CPU')) ?? 'CPU') : (gpu ?? null);
  return {
    device: forced ? 'cpu' : 'gpu',
    name,
    key: `${name ?? 'none'} | node-llama-cpp ${String(module.llama.gpu)} | llama.cpp ${module.llama.llamaCppRelease.release}`,
  };
}

async function stepOn(
  trainer: NativeTrainer,
  sample: TrainingSample,
): Promise<{ logprobs: Float32Array; gradients: Float32Array[]; seconds: number }> {
  const next = seededRandom(5);
  for (const name of trainer.parameterNames().filter((n) => n.endsWith('.lora_b'))) {
    const values = trainer.getParameter(name);
    for (let i = 0; i < values.length; i++) values[i] = (next() * 2 - 1) * 0.05;
    trainer.setParameter(name, values);
  }
  const [logprobs] = await trainer.logprobs([sample]);
  const started = performance.now();
  await trainer.step({ samples: [sample], objective: 'grpo', learningRate: 0, apply: false });
  const seconds = (performance.now() - started) / 1000;
  return { logprobs: logprobs!, gradients: trainer.parameterNames().map((n) => trainer.getParameter(n, { gradient: true })), seconds };
}

/** The check itself, in this process: the same seeded LoRA step on the device under test and on the CPU. */
export async function runSelfCheckHere(options: { modelPath: string; threads?: number; env?: NodeJS.ProcessEnv }): Promise<SelfCheckResult> {
  const env = options.env ?? process.env;
  const { loadNativeTrainer } = await import('./native-trainer.ts');
  const module = await loadNativeTrainer({ gpu: 'auto' });
  const target = await deviceUnderTest(env);
  const base = { key: target.key, device: target.name ?? 'none', checkedAt: new Date().toISOString() };
  if (env[SELF_CHECK_FAULT_ENV] === 'crash') process.abort();
  const lora = { rank: 2, alpha: 4, targets: ['q', 'v'], seed: 11 };
  const create = (device: 'cpu' | 'gpu') => module.createTrainer({ modelPath: options.modelPath, lora, device, threads: options.threads ?? 1 });
  const onDevice = await create(target.device);
  const onCpu = await create('cpu');
  try {
    const vocab = onCpu.info().model.vocabularySize;
    const token = seededRandom(3);
    const tokens = Array.from({ length: 14 }, () => 3 + Math.floor(token() * (vocab - 3)));
    const sample: TrainingSample = { promptTokens: tokens.slice(0, 8), responseTokens: tokens.slice(8), advantage: 1 };
    const device = await stepOn(onDevice, sample);
    const cpu = await stepOn(onCpu, sample);
    if (env[SELF_CHECK_FAULT_ENV] === 'perturb') {
      device.logprobs = device.logprobs.map((v) => v + 0.5);
      device.gradients = device.gradients.map((g) => g.map((v) => v * 1.5));
    }
    const logprobMaxAbsDiff = Math.max(...cpu.logprobs.map((v, i) => Math.abs(v - device.logprobs[i]!)));
    let difference = 0;
    let norm = 0;
    cpu.gradients.forEach((g, j) =>
      g.forEach((v, i) => {
        difference += (v - device.gradients[j]![i]!) ** 2;
        norm += v * v;
      }),
    );
    const gradientRelError = Math.sqrt(difference) / Math.max(Math.sqrt(norm), 1e-12);
    const measured = { logprobMaxAbsDiff, gradientRelError, deviceStepSeconds: device.seconds, cpuStepSeconds: cpu.seconds };
    const finite = Number.isFinite(logprobMaxAbsDiff) && Number.isFinite(gradientRelError);
    if (finite && logprobMaxAbsDiff <= selfCheckTolerance.logprobAbs && gradientRelError <= selfCheckTolerance.gradientRel)
      return { ...base, passed: true, ...measured };
    return {
      ...base,
      passed: false,
      ...measured,
      reason: `the device's results differ from the CPU's (log-probs by up to ${logprobMaxAbsDiff.toFixed(4)}, limit ${selfCheckTolerance.logprobAbs}; gradients by ${(gradientRelError * 100).toFixed(1)}%, limit ${selfCheckTolerance.gradientRel * 100}%)`,
    };
  } finally {
    await onDevice.dispose();
    await onCpu.dispose();
  }
}

/** Runs the check in its own process (this module as a script), so that a crashing or hanging device only fails it. */
export function runSelfCheckIsolated(options: {
  modelPath: string;
  key: string;
  device: string;
  threads?: number;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<SelfCheckResult> {
  const failed = (reason: string): SelfCheckResult => ({
    key: options.key,
    device: options.device,
    passed: false,
    reason,
    checkedAt: new Date().toISOString(),
  });
  return new Promise((resolve) => {
    const child = fork(import.meta.filename, [], {
      env: { ...(options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1', [CHILD_ENV]: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    let done = false;
    const finish = (result: SelfCheckResult) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        child.kill();
        resolve(result);
      }
    };
    const timer = setTimeout(
      () => finish(failed(`the check did not finish within ${(options.timeoutMs ?? selfCheckTimeoutMs) / 1000} s (a hung device or driver)`)),
      options.timeoutMs ?? selfCheckTimeoutMs,
    );
    child.on('message', (message: { result?: SelfCheckResult; error?: string }) =>
      finish(message.result ?? failed(`the check failed: ${message.error ?? 'unknown error'}`)),
    );
    child.on('exit', (code, signal) =>
      finish(
        failed(
          `the check's process crashed (${signal ?? `exit ${code}`})${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(-2).join(' / ')}`}`,
        ),
      ),
    );
    child.on('error', (error) => finish(failed(`the check's process could not run: ${error.message}`)));
    sendToChild(child, { modelPath: options.modelPath, threads: options.threads });
  });
}

/**
 * Where training should run. `cpu: true` (inflow train --cpu, the app's CPU setting) always means the CPU. Else the
 * remembered self-check of this device decides; the first time, the check runs (isolated) and is remembered.
 */
export async function chooseTrainingDevice(options: {
  dataDir: string;
  modelPath: string;
  cpu?: boolean;
  threads?: number;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<TrainingDevice> {
  if (options.cpu === true) return { device: 'cpu', reason: 'requested-cpu', message: 'Training on the CPU, as requested.' };
  const env = options.env ?? process.env;
  const target = await deviceUnderTest(env);
  if (target.name === null) return { device: 'cpu', reason: 'no-gpu', message: 'Training on the CPU (node-llama-cpp found no GPU).' };
  const check =
    readSelfChecks(options.dataDir)[target.key] ??
    (await runSelfCheckIsolated({
      modelPath: options.modelPath,
      key: target.key,
      device: target.name,
      env,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    }));
  if (readSelfChecks(options.dataDir)[target.key] === undefined) remember(options.dataDir, check);
  if (check.passed)
    return {
      device: target.device,
      reason: 'self-check-passed',
      message: `Training on ${check.device} (self-check passed ${check.checkedAt.slice(0, 10)}).`,
      check,
    };
  return {
    device: 'cpu',
    reason: 'self-check-failed',
    check,
    message: `Training on the CPU: the GPU self-check on ${check.device} failed — ${check.reason ?? 'unknown reason'}. Delete ${path.join(options.dataDir, selfCheckFile)} to check again after a driver or app update.`,
  };
}

// the isolated check's process: this module, forked with CHILD_ENV set (import.meta.main is not in every Electron's Node)
if (process.env[CHILD_ENV] === '1' && process.send !== undefined) {
  process.once('message', (message: { modelPath: string; threads?: number }) => {
    runSelfCheckHere(message).then(
      (result) => process.send?.({ result }, () => process.exit(0)),
      (error: unknown) => process.send?.({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(0)),
    );
  });
}
