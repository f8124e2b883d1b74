import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { startDesktop, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { testLoraPath, testModelPath } from '../support/test-model.ts';

/**
 * A user who already has GGUF files: adds one through "Browse…" (the native picker answers with a pre-set
 * path), makes it the planner, is told clearly why an adapter is refused; Browse… fills the Knowledge folder
 * field; Settings records another data folder for the next start. Real renderer, real back end, Chromium.
 */
let desktop: Desktop;

/** Waits until a text field shows `expected` (the picker's answer reaches it asynchronously). */
async function waitForValue(field: Locator, expected: string): Promise<void> {
  for (let tries = 0; (await field.inputValue()) !== expected; tries++) {
    assert.ok(tries < 100, `the field shows ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const dataDir = tempDir('inflow-e2e-own-');
const userModels = tempDir('inflow-user-models-');
const userModel = path.join(userModels, 'my-qwen-tiny.gguf');

before(async () => {
  fs.copyFileSync(testModelPath(), userModel);
  desktop = await startDesktop({ dataDir });
});
after(async () => {
  await desktop?.close();
});

test('add a GGUF through the picker, see it in Installed, make it the planner; an adapter is refused with a reason', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(desktop.url);
    await page.getByRole('button', { name: 'Go to Models' }).click();
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'No models installed' }).waitFor();

    desktop.picker.answers.push({ cancelled: true });
    await page.getByRole('button', { name: 'Browse for a GGUF model' }).click();
    for (let tries = 0; desktop.picker.requests.length === 0; tries++) {
      assert.ok(tries < 50, 'the picker was asked');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(desktop.picker.requests[0], {
      kind: 'file',
      title: 'Add a GGUF model',
      filters: [{ name: 'GGUF models', extensions: ['gguf'] }],
    });
    assert.equal(await page.getByLabel('GGUF model file').inputValue(), '', 'cancelling leaves the field as it was');

    desktop.picker.answers.push({ path: userModel });
    await page.getByRole('button', { name: 'Browse for a GGUF model' }).click();
    await waitForValue(page.getByLabel('GGUF model file'), userModel);
    await desktop.screenshot('own-01-gguf-picked');
    await page.getByRole('button', { name: 'Add model' }).click();
    const entry = page.locator('.model-entry').filter({ hasText: 'my-qwen-tiny' });
    await entry.waitFor();
    await entry.getByText(userModel).waitFor();
    assert.ok(fs.existsSync(userModel), 'the file stays where the user keeps it');
    assert.deepEqual(
      fs.readdirSync(path.join(dataDir, 'models')).filter((name) => name.endsWith('.gguf')),
      [],
      'nothing was copied',
    );

    await entry.getByRole('button', { name: 'Use as planner' }).click();
    await page.getByTestId('planner-model').filter({ hasText: 'my-qwen-tiny' }).waitFor();
    assert.equal((await desktop.api.service.settings.get()).models.planner, 'my-qwen-tiny');
    await desktop.screenshot('own-02-gguf-added-planner');

    await page.getByLabel('GGUF model file').fill(testLoraPath());
    await page.getByRole('button', { name: 'Add model' }).click();
    await page.getByRole('alert').filter({ hasText: 'is a LoRA adapter, not a model' }).waitFor();
    assert.equal(await page.locator('.model-entry').count(), 1, 'the adapter was not added');
    await desktop.screenshot('own-03-adapter-refused');
  });
});

test('Browse… fills the Knowledge folder and the dataset file; Settings records another data folder for the next start without touching this one', async () => {
  await desktop.recordFailure(async (page) => {
    const notes = tempDir('inflow-notes-');
    fs.writeFileSync(path.join(notes, 'tides.md'), '# Tides\nThe tide rises twice a day at Saint-Malo.\n');
    await page.keyboard.press('Control+4');
    await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
    desktop.picker.answers.push({ path: notes });
    await page.getByRole('button', { name: 'Browse for a folder to index' }).click();
    await waitForValue(page.getByLabel('Folder path'), notes);
    assert.equal(desktop.picker.requests.at(-1)?.kind, 'folder');
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.locator('.entry').filter({ hasText: notes }).waitFor();

    await page.keyboard.press('Control+6');
    await page.getByRole('heading', { name: 'Training', level: 1 }).waitFor();
    const dataset = path.join(notes, 'questions.jsonl');
    desktop.picker.answers.push({ path: dataset });
    await page.getByRole('button', { name: 'Browse for a dataset' }).click();
    await waitForValue(page.locator('#dataset-path'), dataset);
    assert.deepEqual(desktop.picker.requests.at(-1), {
      kind: 'file',
      title: 'Choose a dataset',
      filters: [{ name: 'Datasets', extensions: ['json', 'jsonl'] }],
    });

    const before = fs.readdirSync(dataDir).sort();
    const next = path.join(tempDir('inflow-next-'), 'Inflow');
    await page.keyboard.press('Control+7');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    desktop.picker.answers.push({ path: next });
    await page.getByRole('button', { name: 'Browse for a data folder' }).click();
    await waitForValue(page.getByLabel('New data folder'), next);
    await page.getByRole('button', { name: 'Use after restart' }).click();
    await page.getByTestId('next-data-dir').filter({ hasText: next }).waitFor();
    await page.getByText('Restart Inflow to use').waitFor();
    await desktop.screenshot('own-04-settings-data-folder');
    const location = await desktop.api.service.system.dataLocation();
    assert.equal(location.next, next);
    assert.deepEqual(JSON.parse(fs.readFileSync(location.configFile, 'utf8')), { dataDir: next });
    assert.equal(location.current, dataDir, 'this session keeps its folder until a restart');
    assert.deepEqual(fs.readdirSync(dataDir).sort(), before, 'nothing in the current data folder was touched');

    await page.getByRole('button', { name: 'Keep the current folder' }).click();
    await page.getByTestId('next-data-dir').waitFor({ state: 'detached' });
    assert.ok(!fs.existsSync(location.configFile), 'the choice is removed');
    assert.deepEqual(desktop.pageErrors, []);
  });
});
