import type { EvalReport } from './eval-report.ts';
import { barChart, escapeHtml, lineChart, palette, type Bar } from './svg-charts.ts';

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function accuracySection(report: EvalReport): string {
  const bars: Bar[] = [];
  report.summaries.forEach((s, index) => {
    bars.push({
      label: `${s.title} · ${s.label}`,
      value: s.accuracy,
      low: s.ci.low,
      high: s.ci.high,
      color: palette[index % palette.length]!,
      text: `${pct(s.accuracy)} (${s.correct}/${s.scored})`,
    });
  });
  const seen = new Set<string>();
  for (const s of report.summaries) {
    if (seen.has(s.title)) continue;
    seen.add(s.title);
    for (const p of s.paper)
      bars.push({
        label: `${s.title} · paper: ${p.system}`,
        value: p.accuracy / 100,
        reference: true,
        color: '#6b7280',
        text: `${p.accuracy.toFixed(1)}% (paper)`,
      });
  }
  return `<section><h2>Accuracy</h2><p class="note">Bars: our measured accuracy with its 95% Wilson interval. Hatched grey bars are the AgentFlow paper's reported numbers (7B models, cloud tools, GPT-4o judge) — for reference only, not measured here.</p>${barChart({ title: 'Accuracy by benchmark and planner', bars, max: 1, format: pct })}</section>`;
}

function categorySection(report: EvalReport): string {
  const bars: Bar[] = report.summaries.flatMap((s, index) =>
    s.byCategory.map((c) => ({
      label: `${s.title} ${c.category} · ${s.label}`,
      value: c.accuracy,
      low: c.ci.low,
      high: c.ci.high,
      color: palette[index % palette.length]!,
      text: `${pct(c.accuracy)} (${c.correct}/${c.scored})`,
    })),
  );
  return bars.length === 0 ? '' : `<section><h2>By category</h2>${barChart({ title: 'Accuracy per category', bars, max: 1, format: pct })}</section>`;
}

function toolSection(report: EvalReport): string {
  const bars: Bar[] = report.summaries.flatMap((s, index) =>
    Object.entries(s.toolUsage)
      .sort((a, b) => b[1] - a[1])
      .map(([tool, calls]) => ({
        label: `${tool} · ${s.label}`,
        value: s.scored === 0 ? 0 : calls / s.scored,
        color: palette[index % palette.length]!,
        text: `${(calls / Math.max(1, s.scored)).toFixed(2)} per task (${calls})`,
      })),
  );
  const stops: Bar[] = report.summaries.flatMap((s, index) =>
    Object.entries(s.stopReasons).map(([reason, n]) => ({
      label: `${reason} · ${s.label}`,
      value: n / Math.max(1, s.scored),
      color: palette[index % palette.length]!,
      text: `${n} of ${s.scored}`,
    })),
  );
  return `<section><h2>Tool usage and stop reasons</h2>${bars.length === 0 ? '<p>No tool was called.</p>' : barChart({ title: 'Tool calls per task', bars })}${stops.length === 0 ? '' : barChart({ title: 'Why runs stopped (share of tasks)', bars: stops, max: 1, format: pct })}</section>`;
}

function summaryTable(report: EvalReport): string {
  const rows = report.summaries.map(
    (s) =>
      `<tr><td>${escapeHtml(s.title)}</td><td>${escapeHtml(s.label)}</td><td>${s.scored}/${s.evaluation.plannedCount}</td><td>${pct(s.accuracy)}</td><td>${pct(s.ci.low)} – ${pct(s.ci.high)}</td><td>${s.averageSteps.toFixed(1)}</td><td>${Math.round(s.averageTokens)}</td><td>${s.averageSeconds.toFixed(1)}</td><td>${escapeHtml(
        Object.entries(s.methods)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      )}</td><td>${escapeHtml(s.evaluation.status)}</td><td><code>${escapeHtml(s.evaluation.id)}</code></td></tr>`,
  );
  return `<table><thead><tr><th>Benchmark</th><th>Planner</th><th>Scored</th><th>Accuracy</th><th>95% CI</th><th>Steps/task</th><th>Tokens/task</th><th>Seconds/task</th><th>Verdicts by</th><th>Status</th><th>Evaluation</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function comparisonSection(report: EvalReport): string {
  if (report.comparisons.length === 0) return '';
  const rows = report.comparisons.map(
    (c) =>
      `<tr><td>${escapeHtml(c.benchmark)}</td><td>${escapeHtml(c.a)}: ${pct(c.accuracyA)}</td><td>${escapeHtml(c.b)}: ${pct(c.accuracyB)}</td><td>${c.paired}</td><td>${c.onlyA}</td><td>${c.onlyB}</td><td>${c.pValue.toPrecision(3)}${c.pValue < 0.05 ? ' <strong>significant</strong>' : ''}</td></tr>`,
  );
  return `<section><h2>Side by side</h2><p class="note">Items are paired by position; the exact McNemar test looks only at items exactly one planner got right.</p><table><thead><tr><th>Benchmark</th><th>First</th><th>Second</th><th>Paired items</th><th>Only first right</th><th>Only second right</th><th>p (exact McNemar)</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/** The Flow-GRPO step metrics worth a chart, most telling first (training-store StepMetrics). */
const preferredMetrics = ['rewardMean', 'heldoutAccuracy', 'loss', 'kl', 'clipFraction', 'rewardStd'];

function trainingSection(report: EvalReport): string {
  if (report.trainingCurves.length === 0) return '';
  const rank = (name: string) => {
    const index = preferredMetrics.indexOf(name);
    return index === -1 ? preferredMetrics.length : index;
  };
  const charts = report.trainingCurves.flatMap((curve) =>
    Object.entries(curve.series)
      .filter(([name]) => name !== 'step')
      .sort(([a], [b]) => rank(a) - rank(b))
      .slice(0, 6)
      .map(([name, points]) => lineChart({ title: `${curve.adapterId}: ${name}`, series: [{ name, points }] })),
  );
  return `<section><h2>Training curves</h2><p class="note">Logged by the training run each adapter came from.</p><div class="grid">${charts.join('')}</div></section>`;
}

function itemsSection(report: EvalReport): string {
  return report.summaries
    .map((s) => {
      const items = report.items[s.evaluation.id] ?? [];
      const rows = items
        .slice(0, 500)
        .map(
          (item) =>
            `<tr class="${item.correct ? 'ok' : 'bad'}"><td>${item.position}</td><td>${item.correct ? '✓' : '✗'}</td><td>${escapeHtml(clip(item.question ?? '', 200))}</td><td>${escapeHtml(clip(item.extracted ?? '', 200))}</td><td>${escapeHtml(clip(item.expected.join(' | '), 200))}</td><td>${escapeHtml(item.method)}</td><td>${escapeHtml(clip(item.reason, 300))}</td><td>${escapeHtml(item.stopReason ?? '')}</td></tr>`,
        );
      const more = items.length > 500 ? `<p class="note">The first 500 of ${items.length} items; all are in the JSON report.</p>` : '';
      return `<details><summary>${escapeHtml(`${s.title} · ${s.label}: ${items.length} items`)}</summary><table><thead><tr><th>#</th><th></th><th>Question</th><th>Answer</th><th>Expected</th><th>By</th><th>Reason</th><th>Stop</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}</details>`;
    })
    .join('');
}

const style = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#111;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.note{color:#4b5563;font-size:13px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}td:nth-child(5){white-space:nowrap}tr.bad td:nth-child(2){color:#dc2626}tr.ok td:nth-child(2){color:#16a34a}
svg{display:block;margin:8px 0}svg .label{font-size:12px;fill:#111}svg .value{font-size:12px;fill:#374151}svg .title{font-size:13px;font-weight:600;fill:#111}svg .axis{font-size:11px;fill:#6b7280}
.warning{background:#fef3c7;border:1px solid #f59e0b;padding:6px 10px;border-radius:4px}
.grid{display:flex;flex-wrap:wrap;gap:16px}details{margin:8px 0}summary{cursor:pointer;font-weight:600}`;

/** A self-contained HTML report (inline CSS and SVG, no scripts, nothing fetched): opens offline in any browser. */
export function renderHtmlReport(report: EvalReport): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Inflow evaluation report</title><style>${style}</style></head><body>
<h1>Inflow evaluation report</h1><p class="note">Generated ${escapeHtml(report.generatedAt)} · ${report.summaries.length} evaluation(s)</p>
${report.warnings.map((warning) => `<p class="warning">${escapeHtml(warning)}</p>`).join('')}${summaryTable(report)}${accuracySection(report)}${categorySection(report)}${comparisonSection(report)}${toolSection(report)}${trainingSection(report)}
<section><h2>Items</h2>${itemsSection(report)}</section></body></html>
`;
}
