import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { repoRoot } from '../../electron/core/paths.ts';
import { findPackagedApp } from '../support/packaged-app.ts';
import { tempDir } from '../support/temp-dir.ts';
import { testModelPath } from '../support/test-model.ts';

/**
 * Smoke test of the packed app in real Electron, driven by Playwright's `_electron`: launch, add a test model
 * through the (stubbed) native picker, ask, rate the answer, one training step, quit within a bound. It runs
 * wherever Electron can start (the release workflow, after `npm run dist`); elsewhere it is skipped with the
 * reason. Screenshots go to test-output/electron/.
 */
const found = findPackagedApp();
const skip = 'reason' in found ? `Electron cannot start here: ${found.reason}` : false;
const shots = path.join(repoRoot, 'test-output', 'electron');
let app: ElectronApplication;
let page: Page;
const dataDir = skip === false ? tempDir('inflow-electron-') : '';
const shot = async (name: string) => {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
};

before(async () => {
  if (skip !== false || 'reason' in found) return;
  app = await _electron.launch({ executablePath: found.executable, env: { ...process.env, INFLOW_DATA_DIR: dataDir }, timeout: 120_000 });
  page = await app.firstWindow();
});
after(async () => {
  if (app !== undefined) await app.close().catch(() => undefined);
});

test('the packed app: add a model, ask, rate, train one step, quit', { skip, timeout: 600_000 }, async () => {
  try {
    await page.getByRole('heading', { name: 'Choose a model to get started' }).waitFor({ timeout: 60_000 });
    await shot('01-started');
    const model = testModelPath();
    // the native open dialog cannot be clicked by Playwright: answer it in the main process
    await app.evaluate(({ dialog }, file) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [file] })) as never;
    }, model);
    await page.getByRole('button', { name: 'Go to Models' }).click();
    await page.getByRole('button', { name: 'Browse for a GGUF model' }).click();
    await page.getByRole('button', { name: 'Add model' }).click();
    await page.locator('.model-entry').first().getByRole('button', { name: 'Use as planner' }).click();
    await page.getByTestId('planner-model').waitFor();
    await shot('02-model-added');

    await page.keyboard.press('Control+1');
    await page.getByLabel('Your question or task').fill('What is 6 times 7?');
    await page.getByRole('main').getByRole('button', { name: 'Ask', exact: true }).click();
    await page.getByTestId('answer').waitFor({ timeout: 180_000 });
    await page.getByRole('button', { name: 'Good answer' }).click();
    await shot('03-asked-and-rated');

    const dataset = path.join(dataDir, 'sums.jsonl');
    fs.writeFileSync(
      dataset,
      [
        ['2 + 2', '4'],
        ['3 + 5', '8'],
        ['6 * 7', '42'],
        ['9 + 9', '18'],
      ]
        .map(([q, a]) => JSON.stringify({ question: `What is ${q}?`, answer: a, answer_kind: 'numeric' }))
        .join('\n'),
    );
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Training', exact: true }).click();
    await page.getByLabel('Dataset file').fill(dataset);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('radio', { name: /Quick try/ }).check();
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByRole('figure', { name: 'Reward (mean)' }).locator('path.chart-line').waitFor({ state: 'attached', timeout: 300_000 });
    await shot('04-trained-one-step');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached', timeout: 120_000 });
  } catch (error) {
    await shot(`failure-${Date.now()}`).catch(() => undefined);
    throw error;
  }
  const started = Date.now();
  const exited = new Promise<void>((resolve) => app.process().once('exit', () => resolve()));
  await app.evaluate(({ app: electronApp }) => {
    electronApp.quit();
  });
  await exited;
  assert.ok(Date.now() - started < 15_000, 'quitting is bounded');
});
