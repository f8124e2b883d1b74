import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDesktop, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { selfCheckFile } from '../../electron/core/training/trainer/device-self-check.ts';

/** Settings shows where the trainer binary comes from and the remembered GPU self-check (here: a failed one). */
let desktop: Desktop;
const dataDir = tempDir('inflow-e2e-trainer-');

before(async () => {
  fs.writeFileSync(
    path.join(dataDir, selfCheckFile),
    JSON.stringify({
      'CUDA0 (NVIDIA GeForce RTX 3060) | node-llama-cpp cuda | llama.cpp b0000': {
        key: 'CUDA0 (NVIDIA GeForce RTX 3060) | node-llama-cpp cuda | llama.cpp b0000',
        device: 'CUDA0 (NVIDIA GeForce RTX 3060)',
        passed: false,
        reason: "the check's process crashed (SIGSEGV)",
        checkedAt: '2026-12-01T10:00:00.000Z',
      },
    }),
  );
  desktop = await startDesktop({ dataDir });
});
after(async () => {
  await desktop?.close();
});

test('Settings → Training device shows the trainer binary and a failed GPU self-check with its consequence', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(desktop.url);
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { name: 'Training device' }).waitFor();
    await page
      .getByTestId('trainer-backend')
      .filter({ hasText: /Trainer: (local build|prebuilt binary)/ })
      .waitFor();
    await page
      .getByTestId('gpu-self-check')
      .filter({ hasText: "Failed on CUDA0 (NVIDIA GeForce RTX 3060) (2026-12-01): the check's process crashed (SIGSEGV). Training uses the CPU." })
      .waitFor();
    await page.getByTestId('retention-rule').filter({ hasText: 'the last 3 versions' }).waitFor();
    await page.getByRole('heading', { name: 'Training device' }).scrollIntoViewIfNeeded();
    await desktop.screenshot('settings-training-device');
    const cpuOnly = page.getByRole('checkbox', { name: /Use the CPU only/ });
    assert.equal(await cpuOnly.isChecked(), false);
    await cpuOnly.click();
    for (let tries = 0; !(await desktop.api.service.settings.get()).compute.cpuOnly; tries++) {
      assert.ok(tries < 50, 'the CPU-only choice is saved');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let tries = 0; !(await cpuOnly.isChecked()); tries++) {
      assert.ok(tries < 50, 'the box shows the saved choice');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(desktop.pageErrors, []);
  });
});
