import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  chooseTrainingDevice,
  readSelfChecks,
  selfCheckFile,
  selfCheckTolerance,
} from '../../../electron/core/training/trainer/device-self-check.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { testModelPath } from '../../support/test-model.ts';

/**
 * The GPU self-check and its fallback, on the CPU: INFLOW_SELF_CHECK_DEVICE=cpu makes the CPU the device under test
 * (so the check really runs both trainers and compares them), and INFLOW_SELF_CHECK_FAULT makes that device fail on
 * purpose (results shifted, or the check's process aborting). Each check is a child process with the test model
 * (a few seconds).
 */
const model = testModelPath();
const device = (extra: NodeJS.ProcessEnv) => ({ ...process.env, INFLOW_SELF_CHECK_DEVICE: 'cpu', ...extra });

describe('GPU self-check before training on a device', () => {
  it('passes when the device agrees with the CPU, measures both, and is remembered', async () => {
    const dataDir = tempDir();
    const choice = await chooseTrainingDevice({ dataDir, modelPath: model, env: device({}) });
    assert.equal(choice.reason, 'self-check-passed', choice.message);
    assert.equal(choice.device, 'cpu');
    const check = choice.check!;
    assert.ok(check.logprobMaxAbsDiff! <= selfCheckTolerance.logprobAbs && check.gradientRelError! <= selfCheckTolerance.gradientRel);
    assert.ok(check.deviceStepSeconds! > 0 && check.cpuStepSeconds! > 0, 'speed measured on both');
    assert.deepEqual(Object.values(readSelfChecks(dataDir)), [check]);
    const again = await chooseTrainingDevice({ dataDir, modelPath: model, env: device({ INFLOW_SELF_CHECK_FAULT: 'crash' }) });
    assert.deepEqual(again.check, check, 'the remembered result is used: no second check');
  });

  it("falls back to the CPU with a clear message when the device's results differ, and remembers that", async () => {
    const dataDir = tempDir();
    const choice = await chooseTrainingDevice({ dataDir, modelPath: model, env: device({ INFLOW_SELF_CHECK_FAULT: 'perturb' }) });
    assert.equal(choice.device, 'cpu');
    assert.equal(choice.reason, 'self-check-failed');
    assert.match(
      choice.message,
      /Training on the CPU: the GPU self-check on CPU.* failed — the device's results differ from the CPU's \(log-probs by up to 0\.5/,
    );
    assert.match(choice.message, new RegExp(selfCheckFile));
    assert.equal(Object.values(readSelfChecks(dataDir))[0]?.passed, false);
  });

  it('falls back to the CPU when the check crashes, and the caller survives', async () => {
    const dataDir = tempDir();
    const choice = await chooseTrainingDevice({ dataDir, modelPath: model, env: device({ INFLOW_SELF_CHECK_FAULT: 'crash' }) });
    assert.equal(choice.device, 'cpu');
    assert.equal(choice.reason, 'self-check-failed');
    assert.match(choice.message, /crashed \(SIGABRT|crashed \(exit/);
  });

  it('--cpu means the CPU without any check; no GPU means the CPU without a check', async () => {
    const dataDir = tempDir();
    assert.equal((await chooseTrainingDevice({ dataDir, modelPath: model, cpu: true, env: device({}) })).reason, 'requested-cpu');
    const env = { ...process.env };
    delete env.INFLOW_SELF_CHECK_DEVICE;
    assert.equal((await chooseTrainingDevice({ dataDir, modelPath: model, env })).reason, 'no-gpu');
    assert.ok(!fs.existsSync(path.join(dataDir, selfCheckFile)), 'nothing was checked or remembered');
  });
});
