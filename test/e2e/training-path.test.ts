import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startDesktop, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { testModelPath } from '../support/test-model.ts';

/**
 * Training from the Training screen with the real loop: import a dataset by path, start the Quick preset,
 * watch the reward chart get its first point (rollouts by the real agent, the update by the native trainer
 * in its own process), stop, and see the adapter versions. Screenshots in test-output/e2e/.
 */
let desktop: Desktop;
const dataDir = tempDir('inflow-e2e-train-');
const datasetFile = path.join(dataDir, 'arithmetic.jsonl');

before(async () => {
  fs.mkdirSync(path.join(dataDir, 'models'), { recursive: true });
  fs.copyFileSync(testModelPath(), path.join(dataDir, 'models', 'test-planner.gguf'));
  const items = [['2 + 2', '4'], ['3 + 5', '8'], ['10 - 7', '3'], ['6 * 7', '42'], ['9 + 9', '18'], ['12 / 4', '3']];
  fs.writeFileSync(datasetFile, items.map(([q, a]) => JSON.stringify({ question: `What is ${q}?`, answer: a, answer_kind: 'numeric' })).join('\n'));
  desktop = await startDesktop({ dataDir });
  await desktop.api.service.models.setRole({ role: 'planner', modelId: 'test-planner.gguf' });
});
after(async () => { await desktop?.close(); });

test('a user imports a dataset, starts a quick Flow-GRPO run, sees the reward chart move, and stops it', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(`${desktop.url}#/training`);
    await page.getByRole('heading', { name: 'No training runs yet' }).waitFor();
    await desktop.screenshot('10-training-empty');

    await page.getByLabel('Dataset file').fill(datasetFile);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('combobox', { name: 'Train on' }).filter({ hasText: 'arithmetic' }).waitFor();
    const datasets = await desktop.api.service.training.datasets();
    assert.equal(datasets.length, 1);
    assert.equal(datasets[0]!.trainItems + datasets[0]!.heldoutItems, 6);

    await page.getByRole('radio', { name: /Quick try/ }).check();
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ timeout: 60_000 });
    const reward = page.getByRole('figure', { name: 'Reward (mean)' });
    await reward.locator('path.chart-line').waitFor({ state: 'attached', timeout: 150_000 });
    await desktop.screenshot('11-training-first-step');

    const [run] = await desktop.api.service.training.runs();
    assert.ok(run !== undefined && run.lastCompletedStep >= 1, 'a step was committed');
    const points = await desktop.api.service.training.metrics({ trainingRunId: run.id });
    const stepOne = points.find((point) => point.step === 1);
    assert.ok(stepOne !== undefined && stepOne.rewardMean !== null, 'step 1 stored its mean reward');
    const shown = (await reward.locator('.chart-value').textContent())?.trim();
    const latest = points.filter((point) => point.rewardMean !== null).at(-1)!;
    assert.equal(shown, latest.rewardMean!.toFixed(2), 'the chart shows the stored value');

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached', timeout: 120_000 });
    const stopped = (await desktop.api.service.training.runs())[0]!;
    assert.notEqual(stopped.status, 'running', 'the run is no longer running');
    assert.ok((await desktop.api.service.training.adapters()).length >= 1, 'the step wrote an adapter version');
    await page.getByRole('cell', { name: 'v1' }).waitFor();
    await desktop.screenshot('12-training-stopped');
    assert.deepEqual(desktop.pageErrors, []);
  });
});
