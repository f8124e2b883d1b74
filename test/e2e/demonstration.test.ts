import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDesktopWithPlanner, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * Ask → "Show the tools to use" in the real renderer over the real back end: the user names the tool for step 1, the
 * run uses it (whatever the planner would have chosen), the answer is rated up and so kept as a demonstration for
 * `--objective sft`; naming another tool changes the run's choice.
 */
let desktop: Desktop;
const dataDir = tempDir('inflow-e2e-demo-');

before(async () => {
  desktop = await startDesktopWithPlanner({ dataDir, maxSteps: 1 });
});
after(async () => {
  await desktop?.close();
});

test('the Ask screen shows the planner which tool to use; the run uses it and a thumbs-up keeps it as a demonstration', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(desktop.url);
    const ask = async (question: string, tool: string) => {
      await page.getByLabel('Your question or task').fill(question);
      await page.getByLabel('Tool for step 1').selectOption({ label: tool });
      await page.getByRole('main').getByRole('button', { name: 'Ask', exact: true }).click();
      await page
        .getByText(/Answered|Step limit|Time limit|Token limit/)
        .first()
        .waitFor({ timeout: 120_000 });
      const run = desktop.backend.runs.listRuns().find((candidate) => desktop.backend.runs.getTask(candidate.taskId)?.question === question)!;
      return { run, steps: desktop.backend.runs.getSteps(run.id) };
    };

    await page.getByRole('checkbox', { name: 'python' }).waitFor();
    await page.getByText('Show the tools to use').click();
    await page.getByRole('button', { name: 'Add a step' }).click();
    const first = await ask('What is 6 times 7?', 'python');
    assert.equal(first.steps[0]?.toolName, 'Python_Code_Generator_Tool', 'step 1 used the tool the user named');
    assert.deepEqual(first.run.config.pinnedTools, ['Python_Code_Generator_Tool'], 'the run records the demonstration');
    await desktop.screenshot('demonstration-01-python');
    await page.getByRole('button', { name: 'Good answer' }).click();
    await page.getByText('Saved as reward 1').waitFor();

    await page.getByRole('button', { name: 'New question' }).click();
    const second = await ask('What is 5 times 8?', 'generalist');
    assert.equal(second.steps[0]?.toolName, 'Generalist_Solution_Generator_Tool', 'naming another tool changes the choice');

    await page.getByRole('button', { name: 'Remove step 1' }).click();
    assert.equal(await page.getByLabel('Tool for step 1').count(), 0, 'the demonstration can be cleared');
    await desktop.screenshot('demonstration-02-cleared');
    assert.deepEqual(desktop.pageErrors, [], 'no errors in the page console');
  });
});
