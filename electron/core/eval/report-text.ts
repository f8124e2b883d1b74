import type { EvalReport } from './eval-report.ts';

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const top = (counts: Record<string, number>, n = 4) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '-';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row, index) => {
    const line = row.map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!))).join('  ');
    return index === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  });
}

/** The report as plain text for a terminal: accuracy table, categories, comparisons, the paper's numbers. */
export function renderTextReport(report: EvalReport): string {
  const lines: string[] = report.warnings.map((warning) => `Warning: ${warning}`);
  if (lines.length > 0) lines.push('');
  lines.push(
    ...table([
      ['benchmark', 'planner', 'scored', 'accuracy', '95% CI', 'steps', 'tokens', 's/task', 'status'],
      ...report.summaries.map((s) => [
        s.title,
        s.label,
        `${s.scored}/${s.evaluation.plannedCount}`,
        pct(s.accuracy),
        `${pct(s.ci.low)}-${pct(s.ci.high)}`,
        s.averageSteps.toFixed(1),
        Math.round(s.averageTokens).toString(),
        s.averageSeconds.toFixed(1),
        s.evaluation.status,
      ]),
    ]),
  );
  for (const s of report.summaries) {
    lines.push('', `${s.title} — ${s.label} (${s.evaluation.id})`);
    for (const c of s.byCategory) lines.push(`  ${c.category}: ${pct(c.accuracy)} (${c.correct}/${c.scored}, CI ${pct(c.ci.low)}-${pct(c.ci.high)})`);
    lines.push(`  tools: ${top(s.toolUsage)}`, `  stop reasons: ${top(s.stopReasons)}`, `  verdicts by: ${top(s.methods)}`);
    for (const p of s.paper) lines.push(`  paper's number (not ours): ${p.system} ${p.accuracy.toFixed(1)}%`);
  }
  for (const c of report.comparisons) {
    lines.push('', `${c.benchmark}: ${c.a} ${pct(c.accuracyA)} vs ${c.b} ${pct(c.accuracyB)} on ${c.paired} paired items`);
    lines.push(
      `  only first right ${c.onlyA}, only second right ${c.onlyB}; exact McNemar p = ${c.pValue.toPrecision(3)}${c.pValue < 0.05 ? ' (significant at 5%)' : ' (not significant at 5%)'}`,
    );
  }
  return lines.join('\n');
}
