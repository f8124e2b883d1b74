import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startDesktop, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * Knowledge and Memory screens over the real index and memory table: add a folder, watch it get indexed,
 * search it; add, edit and delete a memory entry, and find the entry linked to the run it came from.
 */
let desktop: Desktop;
const dataDir = tempDir('inflow-e2e-km-');
const notes = path.join(dataDir, 'notes');

before(async () => {
  fs.mkdirSync(notes, { recursive: true });
  fs.writeFileSync(path.join(notes, 'volcanoes.md'), '# Volcanoes\n\nMount Etna is an active stratovolcano on the east coast of Sicily.\n');
  fs.writeFileSync(path.join(notes, 'rivers.txt'), 'The Danube flows through ten countries before reaching the Black Sea.\n');
  desktop = await startDesktop({ dataDir });
});
after(async () => {
  await desktop?.close();
});

test('a folder is indexed with progress, can be searched, and the knowledge tool becomes available', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(`${desktop.url}#/knowledge`);
    await page.getByRole('heading', { name: 'No folders yet' }).waitFor();
    await page.getByLabel('Folder path').fill(path.join(dataDir, 'missing'));
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.getByText(/does not exist/).waitFor();

    await page.getByLabel('Folder path').fill(notes);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.getByText(/2 files · \d+ passages/).waitFor({ timeout: 30_000 });
    await page.getByLabel('Search your documents').fill('Etna');
    await page.getByRole('main').getByRole('button', { name: 'Search' }).click();
    await page.getByText(/stratovolcano on the east coast of Sicily/).waitFor();
    await page
      .getByText(/volcanoes\.md/)
      .first()
      .waitFor();
    await desktop.screenshot('20-knowledge');
    const tools = await desktop.api.service.ask.tools();
    assert.equal(tools.find((tool) => tool.label === 'knowledge')?.available, true, 'the knowledge-search tool is offered once a folder is indexed');
    assert.deepEqual(desktop.pageErrors, []);
  });
});

test('memory entries can be added, searched, edited and deleted, each linked to its run', async () => {
  await desktop.recordFailure(async (page) => {
    const task = desktop.backend.runs.createTask({ question: 'Which units do I prefer?' });
    const run = desktop.backend.runs.startRun({ taskId: task.id });
    desktop.backend.runs.endRun(run.id, { stopReason: 'answered', answer: 'metric' });
    desktop.backend.db
      .prepare('INSERT INTO memory_entries (kind, content, run_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run('preference', 'The user prefers metric units', run.id, Date.now(), Date.now());

    await page.goto(`${desktop.url}#/memory`);
    await page.reload();
    await page.getByText('The user prefers metric units').waitFor();
    await page.getByLabel('New memory entry').fill('The user lives in Lyon');
    await page.getByRole('main').getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('The user lives in Lyon').waitFor();

    await page.getByRole('searchbox', { name: 'Search memory' }).fill('lyon');
    await page.getByText('The user prefers metric units').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Edit entry').fill('The user lives in Grenoble');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('searchbox', { name: 'Search memory' }).fill('');
    await page.getByText('The user lives in Grenoble').waitFor();
    await desktop.screenshot('21-memory');

    page.once('dialog', (dialog) => void dialog.accept());
    const entry = page.getByRole('listitem').filter({ hasText: 'Grenoble' });
    await entry.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('The user lives in Grenoble').waitFor({ state: 'detached' });
    assert.deepEqual(
      (await desktop.api.service.memory.list()).map((item) => item.content),
      ['The user prefers metric units'],
    );

    await page.getByRole('button', { name: 'From: Which units do I prefer?' }).click();
    await page.getByRole('article', { name: 'Run details' }).getByRole('heading', { name: 'Which units do I prefer?' }).waitFor();
  });
});
