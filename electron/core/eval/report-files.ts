import fs from 'node:fs';
import path from 'node:path';
import type { EvalReport } from './eval-report.ts';
import { renderHtmlReport } from './report-html.ts';

/**
 * Writes a report as `<stem>.html` (offline, self-contained) and `<stem>.json` beside it, in `reportsDir`, or
 * at `htmlFile` when given. Returns both paths.
 */
export function writeReportFiles(
  report: EvalReport,
  options: { reportsDir: string; stem: string; htmlFile?: string },
): { html: string; json: string } {
  const html = path.resolve(options.htmlFile ?? path.join(options.reportsDir, `${options.stem}.html`));
  const json = `${html.replace(/\.html?$/i, '')}.json`;
  fs.mkdirSync(path.dirname(html), { recursive: true });
  fs.writeFileSync(html, renderHtmlReport(report));
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return { html, json };
}
