import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { buildEvalReport, EvalStore, loadBenchmark, renderHtmlReport, runEvaluation, type EvalAgent } from '../../../electron/core/eval/index.ts';
import { openDatabase, type Database } from '../../../electron/core/store/database.ts';
import { repoRoot } from '../../../electron/core/paths.ts';
import { RunStore } from '../../../electron/core/store/run-store.ts';
import { tempDir } from '../../support/temp-dir.ts';

/** Where the screenshot is left for a person to look at (git-ignored cache). */
const screenshotFile = path.join(repoRoot, '.cache', 'eval-report.png');

let browser: Browser;
let db: Database;
let evalStore: EvalStore;
let runs: RunStore;
const dir = tempDir();

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  db = openDatabase(path.join(dir, 'inflow.db'));
  runs = new RunStore(db);
  evalStore = new EvalStore(db);
});
after(async () => {
  await browser?.close();
  db?.close();
});

/** A stand-in agent that answers GAIA items right when `right(position)` holds, using tools in a fixed pattern. */
const gaiaAgent =
  (right: (position: number) => boolean): EvalAgent =>
  async ({ question, item, onEvent }) => {
    const task = runs.createTask({ question, source: 'eval' });
    const run = runs.startRun({ taskId: task.id, kind: 'eval' });
    const answer = right(item.position) ? `<answer>${item.expected[0]}</answer>` : '<answer>I could not find it</answer>';
    onEvent({ type: 'step-start', step: 1, maxSteps: 10 });
    onEvent({ type: 'tool-call', step: 1, toolName: 'Web_Search_Tool', input: {}, command: '' });
    if (item.position % 3 === 0) onEvent({ type: 'tool-call', step: 1, toolName: 'Python_Code_Generator_Tool', input: {}, command: '' });
    const stopReason = item.position % 7 === 6 ? 'step_limit' : 'answered';
    runs.endRun(run.id, { stopReason, answer, totalTokens: 1200 + item.position });
    return { runId: run.id, answer, stopReason };
  };

function seedTrainingRun(adapterId: string, datasetSource: string): void {
  const now = Date.now();
  db.prepare(`INSERT INTO datasets (id, name, source, created_at) VALUES ('ds_1', 'gaia-train', ?, ?)`).run(datasetSource, now);
  db.prepare(`INSERT INTO training_runs (id, created_at, base_model, config, dataset_id) VALUES ('tr_1', ?, 'tiny', '{}', 'ds_1')`).run(now);
  const insert = db.prepare('INSERT INTO training_steps (training_run_id, step, created_at, metrics) VALUES (?, ?, ?, ?)');
  for (let step = 1; step <= 12; step++) {
    insert.run(
      'tr_1',
      step,
      now + step,
      JSON.stringify({ rewardMean: 0.2 + step * 0.03 + (step % 3) * 0.01, loss: 0.9 / step, note: 'text is ignored' }),
    );
  }
  db.prepare(
    `INSERT INTO adapters (id, training_run_id, version, created_at, path, base_model) VALUES (?, 'tr_1', 1, ?, '/adapters/a.gguf', 'tiny')`,
  ).run(adapterId, now);
}

describe('HTML evaluation report', () => {
  it('renders offline in Chromium with accuracy, category, tool-usage bars and training curves', async () => {
    const benchmark = loadBenchmark('gaia');
    seedTrainingRun('adp_trained', benchmark.file);
    const base = await runEvaluation({
      evalStore,
      runs,
      benchmark,
      agent: gaiaAgent((p) => p % 4 === 0),
      plannerModel: 'tiny',
      adapterId: null,
      limit: 40,
    });
    const tuned = await runEvaluation({
      evalStore,
      runs,
      benchmark,
      agent: gaiaAgent((p) => p % 4 === 0 || p % 3 === 1),
      plannerModel: 'tiny',
      adapterId: 'adp_trained',
      limit: 40,
      judge: undefined,
    });
    const report = buildEvalReport({ evalStore, evaluationIds: [base.id, tuned.id] });
    assert.equal(report.trainingCurves.length, 1);
    assert.deepEqual(Object.keys(report.trainingCurves[0]!.series).sort(), ['loss', 'rewardMean']);
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderHtmlReport(report));

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(pathToFileURL(file).href);
    assert.deepEqual(requested, [pathToFileURL(file).href], 'the report fetches nothing but itself');

    assert.equal(await page.locator('h1').textContent(), 'Inflow evaluation report');
    const charts = await page.locator('svg').evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-label')));
    assert.deepEqual(charts.slice(0, 2), ['Accuracy by benchmark and planner', 'Accuracy per category']);
    assert.ok(charts.includes('Tool calls per task'));
    assert.ok(charts.includes('adp_trained: rewardMean') && charts.includes('adp_trained: loss'));
    const body = await page.locator('body').innerText();
    assert.match(body, /GAIA · paper: AgentFlow \+ Flow-GRPO 7B planner/);
    assert.match(body, /33\.1% \(paper\)/);
    assert.match(body, /Level 1/);
    assert.match(body, /Side by side/);
    assert.match(body, /Adapter adp_trained was trained on dataset "gaia-train", imported from .*gaia\.json — the file this evaluation scores/);
    assert.match(body, /tiny \+ adp_trained/);
    const accuracyBars = await page
      .locator('svg[aria-label="Accuracy by benchmark and planner"] > rect')
      .evaluateAll((rects) => rects.map((rect) => rect.getBoundingClientRect().width));
    assert.ok(
      accuracyBars.every((width) => width > 0),
      'every accuracy bar is drawn',
    );

    fs.mkdirSync(path.dirname(screenshotFile), { recursive: true });
    await page.screenshot({ path: screenshotFile, fullPage: true });
    assert.ok(fs.statSync(screenshotFile).size > 20_000);
    await page.close();
  });
});
