import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { selfCheckFile } from '../../../electron/core/training/trainer/device-self-check.ts';
import { runCli } from '../../support/run-cli.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('inflow doctor shows the trainer binary, the remembered GPU self-check and the disk rule', async () => {
  const dataDir = tempDir();
  const check = {
    key: 'k',
    device: 'Vulkan0 (AMD Radeon RX 7600)',
    passed: false,
    reason: "the device's results differ from the CPU's",
    checkedAt: '2026-12-02T08:00:00.000Z',
  };
  fs.writeFileSync(path.join(dataDir, selfCheckFile), JSON.stringify({ k: check }));
  const text = await runCli(['doctor', '--cpu', '--data-dir', dataDir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^trainer +(local-build|prebuilt|env) \(/m);
  assert.match(
    text.stdout,
    /^gpu check +FAILED on Vulkan0 \(AMD Radeon RX 7600\) \(2026-12-02: the device's results differ from the CPU's; training uses the CPU\)$/m,
  );
  assert.match(text.stdout, /^disk rule +keeps promoted, best and last 3 adapters; .* reclaimable/m);
  const json = JSON.parse((await runCli(['doctor', '--cpu', '--json', '--data-dir', dataDir])).stdout) as {
    trainer: { addon: { found: boolean }; selfChecks: unknown[]; retention: { keepLast: number } };
  };
  assert.equal(json.trainer.addon.found, true);
  assert.deepEqual(json.trainer.selfChecks, [check]);
  assert.equal(json.trainer.retention.keepLast, 3);
});
