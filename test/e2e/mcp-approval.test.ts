import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDesktopWithPlanner, type Desktop } from '../support/bridge/desktop-harness.ts';
import { everythingServerEntry } from '../support/mcp-servers.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * An MCP server added in Settings (the reference "everything" server over stdio), one of its tools marked
 * "ask first": the run pauses with the call shown, the user denies it, the run goes on and records the denial.
 */
let desktop: Desktop;
const dataDir = tempDir('inflow-e2e-mcp-');

before(async () => {
  desktop = await startDesktopWithPlanner({ dataDir, maxSteps: 1 });
});
after(async () => {
  await desktop?.close();
});

test('a tool server is added in Settings, a tool marked "ask first" pauses the run until the user denies it', async () => {
  await desktop.recordFailure(async (page) => {
    const entry = everythingServerEntry();
    await page.goto(`${desktop.url}#/settings`);
    await page.getByLabel('Server name').fill('everything');
    await page.getByLabel('Command or URL').fill([entry.command, ...entry.args].join(' '));
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByRole('switch', { name: 'Use everything' }).waitFor();

    const server = page.getByRole('listitem').filter({ hasText: 'everything' });
    await server.getByText('Tools', { exact: true }).click();
    await server.getByRole('checkbox', { name: 'Ask before echo' }).click({ timeout: 30_000 });
    await server.getByRole('checkbox', { name: 'Ask before echo', checked: true }).waitFor();
    for (const tool of await desktop.api.service.mcp.tools({ name: 'everything' })) {
      if (tool.tool !== 'echo') await desktop.api.service.mcp.setEnabled({ name: 'everything', tool: tool.tool, enabled: false });
    }
    await desktop.screenshot('30-settings-mcp');

    await page.keyboard.press('Control+1');
    await page.reload();
    const echo = page.getByRole('checkbox', { name: 'everything__echo' });
    await echo.waitFor({ timeout: 30_000 });
    for (const label of ['generalist', 'python']) {
      await page.getByRole('checkbox', { name: label, exact: true }).click();
      await page.getByRole('checkbox', { name: label, exact: true, checked: false }).waitFor();
    }
    assert.equal(await echo.isChecked(), true);
    await page.getByLabel('Your question or task').fill('Echo the word hello.');
    await page.getByRole('main').getByRole('button', { name: 'Ask', exact: true }).click();

    const dialog = page.getByRole('alertdialog', { name: /Approve everything__echo/ });
    await dialog.waitFor({ timeout: 60_000 });
    await desktop.screenshot('31-ask-approval');
    await dialog.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('Tool call denied').waitFor();
    await page.getByTestId('answer').waitFor({ timeout: 60_000 });
    await page.getByText(/^(Answered|Step limit|Time limit|Token limit) · /).waitFor({ timeout: 60_000 });

    const [run] = desktop.backend.runs.listRuns();
    assert.ok(run !== undefined && run.status === 'ended');
    const steps = desktop.backend.runs.getSteps(run.id);
    assert.equal(steps[0]?.toolName, 'everything__echo');
    assert.match(JSON.stringify(steps[0]?.result), /denied|not approved|refused/i, 'the denial is recorded in the step');
    assert.deepEqual(desktop.pageErrors, []);
  });
});
