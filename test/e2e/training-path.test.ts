import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startDesktop, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { testLoraPath, testModelPath } from '../support/test-model.ts';
import { AdapterRegistry } from '../../electron/core/adapters/adapter-registry.ts';

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
  const items = [
    ['2 + 2', '4'],
    ['3 + 5', '8'],
    ['10 - 7', '3'],
    ['6 * 7', '42'],
    ['9 + 9', '18'],
    ['12 / 4', '3'],
  ];
  fs.writeFileSync(datasetFile, items.map(([q, a]) => JSON.stringify({ question: `What is ${q}?`, answer: a, answer_kind: 'numeric' })).join('\n'));
  desktop = await startDesktop({ dataDir });
  await desktop.api.service.models.setRole({ role: 'planner', modelId: 'test-planner.gguf' });
});
after(async () => {
  await desktop?.close();
});

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
    assert.equal(stopped.status, 'paused', 'a stopped run is recorded as paused, resumable from its last completed step');
    await page.getByText('paused', { exact: true }).waitFor();
    await desktop.screenshot('12-training-stopped');

    // the user will not resume it: End run (confirmed) finishes it and frees the trainer state it kept for a resume
    const states = () =>
      (desktop.backend.db.prepare('SELECT state_path AS p FROM training_checkpoints').all() as Array<{ p: string }>).filter((row) =>
        fs.existsSync(row.p),
      );
    assert.equal(states().length, 1, 'a paused run keeps its last trainer state');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'End run' }).click();
    await page.getByText('ended', { exact: true }).waitFor();
    await page.getByText(/Run ended; .* MB freed\./).waitFor();
    assert.equal((await desktop.api.service.training.runs())[0]!.status, 'cancelled');
    assert.equal(states().length, 0, 'its trainer state was deleted');
    assert.equal(await page.getByRole('button', { name: 'Resume' }).count(), 0, 'an ended run cannot be resumed');
    await desktop.screenshot('12b-training-ended');
    assert.deepEqual(desktop.pageErrors, []);
  });
});

test('adapter versions can be compared, promoted and rolled back, and the planner uses the promoted one', async () => {
  await desktop.recordFailure(async (page) => {
    const base = path.join(dataDir, 'models', 'test-planner.gguf');
    const registry = new AdapterRegistry(desktop.backend.db);
    const loraDir = path.join(dataDir, 'adapters', 'manual');
    fs.mkdirSync(loraDir, { recursive: true });
    for (const [version, accuracy] of [
      [1, 0.25],
      [2, 0.5],
    ] as const) {
      const file = path.join(loraDir, `v${version}.gguf`);
      fs.copyFileSync(testLoraPath({}, { seed: version }), file);
      registry.register({ path: file, baseModel: base, metrics: { heldoutAccuracy: accuracy } });
    }
    await page.goto(`${desktop.url}#/training`);
    await page.reload();
    const rows = page.getByRole('table').getByRole('row');
    await rows.filter({ hasText: '50.0%' }).waitFor();
    await rows.filter({ hasText: 'v2' }).getByRole('button', { name: 'Promote' }).click();
    await rows.filter({ hasText: 'v2' }).getByText('Active').waitFor();
    await rows.first().scrollIntoViewIfNeeded();
    await desktop.screenshot('13-adapters-promoted');

    const started = await desktop.api.service.ask.start({ question: 'Which adapter plans?', maxSteps: 1 });
    for (let tries = 0; desktop.backend.runs.getRun(started.runId)!.status === 'running'; tries++) {
      assert.ok(tries < 600, 'the run ends');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const plannerCalls = desktop.backend.runs.getModuleCalls(started.runId).filter((call) => call.module === 'planner');
    const promoted = registry.active(base)!;
    assert.equal(promoted.version, 2);
    assert.ok(plannerCalls.length > 0 && plannerCalls.every((call) => call.adapterId !== null), 'the planner ran with the promoted adapter');

    await page.getByRole('button', { name: 'Roll back' }).click();
    await page.getByText('Rolled back to the previous adapter.').waitFor();
    assert.equal(registry.active(base), null, 'rolling back the only promotion returns to the base model');
    await page.keyboard.press('Control+5');
    await page.getByText('Adapter: base model (no adapter)').waitFor();
    assert.deepEqual(desktop.pageErrors, []);
  });
});
