import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startDesktop, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';
import { testModelPath } from '../support/test-model.ts';

/**
 * A new user's first session in the real renderer (Vite build, Chromium) over the real back end (SQLite,
 * node-llama-cpp with a small test model): empty state, pick a model, ask, watch the trace, rate the answer,
 * find the run in history. Screenshots go to test-output/e2e/.
 */
let desktop: Desktop;
const modelFile = 'test-planner.gguf';
const dataDir = tempDir('inflow-e2e-');

before(async () => {
  fs.mkdirSync(path.join(dataDir, 'models'), { recursive: true });
  fs.copyFileSync(testModelPath(), path.join(dataDir, 'models', modelFile));
  desktop = await startDesktop({ dataDir });
});
after(async () => {
  await desktop?.close();
});

test('a new user sees what to do first, picks a model, asks, rates the answer and finds the run in history', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(desktop.url);

    await page.getByRole('heading', { name: 'Choose a model to get started' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Ask' }).count(), 1, 'the sidebar offers Ask');
    await desktop.screenshot('01-empty-ask');

    await page.getByRole('button', { name: 'Go to Models' }).click();
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await page.getByText('test-planner', { exact: true }).waitFor();
    await page.getByTestId('hardware-backend').filter({ hasText: 'CPU' }).waitFor();
    await page.getByRole('button', { name: 'Use as planner' }).click();
    await page.getByTestId('planner-model').filter({ hasText: 'test-planner' }).waitFor();
    assert.equal((await desktop.api.service.settings.get()).models.planner, modelFile, 'the choice is stored in the settings');
    await desktop.screenshot('02-models-planner-chosen');

    await page.keyboard.press('Control+7');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    for (const name of ['Web tools', 'Wikipedia online', 'Model downloads', 'Tool servers over HTTP', 'Serve an OpenAI-compatible API']) {
      assert.equal(await page.getByRole('switch', { name: new RegExp(name) }).isChecked(), false, `${name}: off for a new user`);
    }
    const steps = page.getByLabel('Steps per task');
    await steps.fill('2');
    await steps.blur();
    for (let tries = 0; (await desktop.api.service.settings.get()).limits.maxSteps !== 2; tries++) {
      assert.ok(tries < 50, 'the step limit was saved');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await desktop.screenshot('03-settings');

    await page.keyboard.press('Control+1');
    const checklist = page.getByRole('region', { name: 'Getting started' });
    await checklist.getByText('Choose a planner model (done)').waitFor();
    await checklist.getByRole('button', { name: /Ask your first question/ }).waitFor();
    await page.getByRole('checkbox', { name: 'python' }).waitFor();
    await desktop.screenshot('03b-ask-ready');
    assert.equal(
      await page.getByRole('checkbox', { name: 'web', exact: true }).isDisabled(),
      true,
      'web search is unavailable while privacy forbids it',
    );
    const question = page.getByLabel('Your question or task');
    await question.fill('What is the capital of France?');
    await page.getByRole('main').getByRole('button', { name: 'Ask', exact: true }).click();
    await page.getByText(/Working…/).waitFor();
    await page.keyboard.press('Control+2');
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.keyboard.press('Control+1');
    const answer = page.getByTestId('answer');
    await answer.waitFor({ timeout: 90_000 });
    await page
      .getByText(/Answered|Step limit|Time limit|Token limit/)
      .first()
      .waitFor({ timeout: 90_000 });
    await desktop.screenshot('04-ask-answered');

    const runs = desktop.backend.runs.listRuns();
    assert.equal(runs.length, 1, 'the question became exactly one stored run');
    const run = runs[0]!;
    assert.equal(run.status, 'ended');
    assert.equal((await answer.textContent())?.trim(), run.answer?.trim(), 'the UI shows the stored answer');
    assert.ok(desktop.backend.runs.getModuleCalls(run.id).length >= 1, 'module calls were recorded');
    const storedSteps = desktop.backend.runs.getSteps(run.id);
    assert.ok(storedSteps.length >= 1 && storedSteps.length <= 2, 'the step limit from Settings applied');
    assert.equal(
      await page.getByTestId('trace-step').count(),
      storedSteps.length,
      'the live trace shows every step, also after visiting another screen mid-run',
    );

    await page.getByRole('button', { name: 'Good answer' }).click();
    await page.getByText('Saved as reward 1').waitFor();
    const reward = desktop.backend.db.prepare("SELECT value FROM rewards WHERE run_id = ? AND source = 'feedback'").get(run.id) as { value: number };
    assert.equal(reward.value, 1, 'thumbs up became a reward of 1');

    await page.getByRole('button', { name: 'Open in Runs' }).click();
    await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
    await page.getByTestId('run-reward').filter({ hasText: '1.00' }).waitFor();
    await page.getByRole('article', { name: 'Run details' }).getByRole('heading', { name: 'What is the capital of France?' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search runs' }).fill('Paris Texas');
    await page.getByText('No runs match these filters.').waitFor();
    await page.getByRole('searchbox', { name: 'Search runs' }).fill('capital');
    await page.getByRole('button', { name: /What is the capital of France\?/ }).waitFor();
    await desktop.screenshot('05-runs-detail');
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('button', { name: 'Replaying…' }).waitFor();
    await page.getByRole('button', { name: 'Replay', exact: true }).waitFor({ timeout: 10_000 });
    assert.equal(
      await page.getByRole('article', { name: 'Run details' }).getByTestId('trace-step').count(),
      storedSteps.length,
      'the replay ends with every step shown',
    );

    assert.deepEqual(desktop.pageErrors, [], 'no errors in the page console');
  });
});
