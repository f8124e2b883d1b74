/**
 * Draws learning curves as a picture: held-out success (solid) and rollout reward (dashed) per training step,
 * one colour per run. Input: the JSON the acceptance test writes (.cache/learning-curves/multi-turn.json or partly-right.json), or
 * `--run ID --data-dir DIR` to plot a stored training run. Writes an SVG, and a PNG through headless Chromium
 * when /usr/bin/chromium (or CHROMIUM_PATH) exists.
 *
 *   npm run plot:learning-curve -- [FILE.json] [--out PATH.svg]
 *   npm run plot:learning-curve -- --data-dir ~/.local/share/inflow --run train_xxx
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../electron/core/paths.ts';

interface Point {
  step: number;
  heldoutAccuracy: number | null;
  rewardMean: number | null;
}
export interface CurveFile {
  title: string;
  curves: Record<string, Point[]>;
}

const colours = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#4b5563'];
const esc = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The SVG of some learning curves (values in [0, 1], drawn as percentages). */
export function learningCurveSvg(data: CurveFile): string {
  const width = 760,
    height = 400,
    left = 60,
    right = 230,
    top = 44,
    bottom = 48;
  const all = Object.values(data.curves).flat();
  const maxStep = Math.max(1, ...all.map((p) => p.step));
  const x = (step: number) => left + (step / maxStep) * (width - left - right);
  const y = (value: number) => top + (1 - value) * (height - top - bottom);
  const parts: string[] = [];
  for (let tick = 0; tick <= 4; tick++) {
    const value = tick / 4;
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(value)}" y2="${y(value)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 8}" y="${y(value) + 4}" text-anchor="end" font-size="12" fill="#374151">${value * 100}%</text>`,
    );
  }
  for (let step = 0; step <= maxStep; step++)
    parts.push(`<text x="${x(step)}" y="${height - bottom + 18}" text-anchor="middle" font-size="12" fill="#374151">${step}</text>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle" font-size="13" fill="#111827">training step</text>`);
  Object.entries(data.curves).forEach(([name, points], index) => {
    const colour = colours[index % colours.length]!;
    const line = (key: 'heldoutAccuracy' | 'rewardMean', dash: string) => {
      const pts = points.filter((p) => typeof p[key] === 'number').map((p) => `${x(p.step).toFixed(1)},${y(p[key]!).toFixed(1)}`);
      if (pts.length === 0) return;
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2.5" ${dash} points="${pts.join(' ')}"/>`);
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${colour}"/>`);
      }
    };
    line('heldoutAccuracy', '');
    line('rewardMean', 'stroke-dasharray="6 4" opacity="0.7"');
    const ly = top + 10 + index * 44;
    parts.push(
      `<line x1="${width - right + 16}" x2="${width - right + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2.5"/>`,
      `<text x="${width - right + 46}" y="${ly + 4}" font-size="12" fill="#111827">${esc(name)}</text>`,
      `<text x="${width - right + 46}" y="${ly + 20}" font-size="11" fill="#6b7280">solid: held-out, dashed: reward</text>`,
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>` +
    `<text x="${left}" y="24" font-size="15" font-weight="bold" fill="#111827">${esc(data.title)}</text>` +
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#9ca3af"/>` +
    parts.join('') +
    '</svg>\n'
  );
}

async function fromDatabase(dataDir: string, runId: string): Promise<CurveFile> {
  const { openDatabase } = await import('../electron/core/store/database.ts');
  const { TrainingStore } = await import('../electron/core/training/training-store.ts');
  const db = openDatabase(path.join(dataDir, 'inflow.db'));
  try {
    const points = new TrainingStore(db)
      .stepMetrics(runId)
      .map(({ step, metrics }) => ({ step, heldoutAccuracy: metrics.heldoutAccuracy ?? null, rewardMean: metrics.rewardMean ?? null }));
    return { title: `Training run ${runId}`, curves: { [runId]: points } };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, run: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const input = positionals[0] ?? path.join(repoRoot, '.cache', 'learning-curves', 'multi-turn.json');
  let data: CurveFile;
  if (values.run !== undefined) data = await fromDatabase(values['data-dir'] ?? process.env.INFLOW_DATA_DIR ?? '.', values.run);
  else if (!fs.existsSync(input)) {
    console.error(`No curve file ${input}. Run the acceptance test first: node --test test/integration/training/flow-grpo-learning.test.ts`);
    process.exit(3);
  } else data = JSON.parse(fs.readFileSync(input, 'utf8')) as CurveFile;
  await writeCurvePictures(data, values.out ?? input.replace(/\.json$/, '.svg'));
}

/** Writes the curves as an SVG at `out`, and as a PNG beside it through headless Chromium when it exists. */
export async function writeCurvePictures(data: CurveFile, out: string): Promise<void> {
  const svg = learningCurveSvg(data);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, svg);
  console.log(`wrote ${out}`);
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) return;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 760, height: 400 } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    const png = out.replace(/\.svg$/, '.png');
    await page.locator('svg').screenshot({ path: png });
    console.log(`wrote ${png}`);
  } finally {
    await browser.close();
  }
}

if (import.meta.main) await main();
