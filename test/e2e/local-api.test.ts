import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startDesktopWithPlanner, type Desktop } from '../support/bridge/desktop-harness.ts';
import { tempDir } from '../support/temp-dir.ts';

/**
 * Settings → Local API and Privacy in the browser over the real back end: the user switches the API on, reads
 * the URL and token from the page, another program (the official openai client) asks the agent and rates the
 * answer; the privacy switches save per feature, the egress log shows a request, an MCP server is marked local
 * only, and switching the API off closes it.
 */
let desktop: Desktop;
const dataDir = tempDir('inflow-e2e-api-');
let web: http.Server;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  desktop = await startDesktopWithPlanner({ dataDir, maxSteps: 1 });
  web = http.createServer((_request, response) => {
    response.writeHead(200);
    response.end('stand-in for the web');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await desktop?.close();
  await new Promise<void>((resolve) => web?.close(() => resolve()));
});

test('Local API: switched on in Settings, used by another program with the token shown, switched off', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(`${desktop.url}#/settings`);
    const port = await freePort();
    const card = page.getByRole('region', { name: 'Local API' });
    await card.getByLabel('Port').fill(String(port));
    await card.getByLabel('Port').blur();
    await card.getByRole('switch', { name: /Serve an OpenAI-compatible API/ }).click();
    const url = await page.getByTestId('local-api-url').textContent({ timeout: 30_000 });
    const token = await page.getByTestId('local-api-token').textContent();
    assert.equal(url, `http://127.0.0.1:${port}/v1`);
    assert.match(token ?? '', /^inflow-[\w-]{40,}$/);
    await desktop.screenshot('40-settings-local-api');

    const client = new OpenAI({ baseURL: url!, apiKey: token!, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ['inflow-agent', 'test-planner.gguf']);
    const answer = (await client.chat.completions.create({
      model: 'inflow-agent',
      messages: [{ role: 'user', content: 'What is 2 + 3?' }],
      inflow: { tools: ['Generalist_Solution_Generator_Tool'] },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming)) as OpenAI.ChatCompletion & { inflow: { run_id: string } };
    const rated = (await client.post(`/runs/${answer.inflow.run_id}/feedback`, { body: { rating: 'up' } })) as { reward: number };
    assert.equal(rated.reward, 1);
    await page.keyboard.press('Control+2');
    await page.getByText('What is 2 + 3?').first().click({ timeout: 30_000 });
    // The run from the API is rated in the app too: thumbs down with the right answer.
    await page.getByRole('button', { name: 'Bad answer' }).click();
    await page.getByLabel('The right answer').fill('5');
    await page.getByRole('button', { name: 'Save answer' }).click();
    await page.getByRole('status').filter({ hasText: 'expected answer' }).waitFor();
    const task = desktop.backend.db
      .prepare('SELECT t.expected_answer, t.answer_kind FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id = ?')
      .get(answer.inflow.run_id) as { expected_answer: string; answer_kind: string };
    assert.deepEqual(task, { expected_answer: '"5"', answer_kind: 'judge' });

    await page.goto(`${desktop.url}#/settings`);
    await card.getByRole('switch', { name: /Serve an OpenAI-compatible API/ }).click();
    await card.getByText(/^Off\./).waitFor();
    await assert.rejects(fetch(`${url}/models`, { headers: { authorization: `Bearer ${token}` } }), 'the server is closed');
    assert.deepEqual(desktop.pageErrors, []);
  });
});

test('Privacy: each feature is switched on its own, the egress log shows what left, a tool server is made local only', async () => {
  await desktop.recordFailure(async (page) => {
    await page.goto(`${desktop.url}#/settings`);
    const privacy = page.getByRole('region', { name: 'Privacy' });
    for (const name of ['Web tools', 'Wikipedia online', 'Model downloads', 'Tool servers over HTTP']) {
      assert.equal(await privacy.getByRole('switch', { name: new RegExp(name) }).isChecked(), false, `${name} is off by default`);
    }
    await privacy.getByRole('switch', { name: /Web tools/ }).click();
    await privacy.getByRole('switch', { name: /Web tools/, checked: true }).waitFor();
    const { privacy: saved } = await desktop.api.service.settings.get();
    assert.deepEqual(saved, { networkTools: true, wikipediaOnline: false, modelDownloads: false, mcpHttp: false });

    const address = web.address() as net.AddressInfo;
    await (await desktop.backend.network.fetch('web', `http://127.0.0.1:${address.port}/search?q=x`)).text();
    await page.reload();
    await privacy.getByText(/What left this computer/).click();
    const row = privacy
      .getByRole('table', { name: 'Egress log' })
      .getByRole('row')
      .filter({ hasText: `127.0.0.1:${address.port}` });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /web.*ok \(200\)/);

    await page.getByLabel('Server name').fill('remote');
    await page.getByLabel('Command or URL').fill('http://127.0.0.1:9/mcp');
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByText(/separate programs/).waitFor();
    await page.getByRole('checkbox', { name: 'remote: local only' }).click();
    await page.getByRole('checkbox', { name: 'remote: local only', checked: true }).waitFor();
    const config = JSON.parse(fs.readFileSync(path.join(dataDir, 'mcp.json'), 'utf8')) as { mcpServers: { remote: { localOnly?: boolean } } };
    assert.equal(config.mcpServers.remote.localOnly, true);
    await desktop.screenshot('41-settings-privacy');
    assert.deepEqual(desktop.pageErrors, []);
  });
});
