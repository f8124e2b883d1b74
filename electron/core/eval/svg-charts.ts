/** Self-contained SVG charts for the offline HTML report (no scripts, fonts or network). */

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export const palette = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#4b5563'];

export interface Bar {
  label: string;
  value: number;
  /** Optional interval drawn as a whisker. */
  low?: number;
  high?: number;
  color?: string;
  /** Drawn hatched and labelled as a reference, not a measurement. */
  reference?: boolean;
  text?: string;
}

/** Horizontal bars with labels on the left and the value at the bar's end; `max` fixes the scale (1 for accuracy). */
export function barChart(options: { title: string; bars: Bar[]; max?: number; format?: (value: number) => string }): string {
  const format = options.format ?? ((value: number) => String(Math.round(value * 100) / 100));
  // About 6.8 px per character at 12 px: long labels widen the chart instead of being clipped.
  const labelWidth = Math.min(520, Math.max(120, Math.ceil(Math.max(0, ...options.bars.map((bar) => bar.label.length)) * 6.8) + 16));
  const barWidth = 360,
    rowHeight = 24,
    top = 30;
  const max = options.max ?? Math.max(1e-9, ...options.bars.map((bar) => Math.max(bar.value, bar.high ?? 0)));
  const height = top + options.bars.length * rowHeight + 10;
  const x = (value: number) => labelWidth + (Math.max(0, value) / max) * barWidth;
  const rows = options.bars.map((bar, index) => {
    const y = top + index * rowHeight;
    const color = bar.color ?? palette[index % palette.length]!;
    const fill = bar.reference === true ? 'url(#hatch)' : color;
    const whisker =
      bar.low !== undefined && bar.high !== undefined
        ? `<line x1="${x(bar.low).toFixed(1)}" x2="${x(bar.high).toFixed(1)}" y1="${y + 9}" y2="${y + 9}" stroke="#111" stroke-width="1.5"/>` +
          `<line x1="${x(bar.low).toFixed(1)}" x2="${x(bar.low).toFixed(1)}" y1="${y + 4}" y2="${y + 14}" stroke="#111"/>` +
          `<line x1="${x(bar.high).toFixed(1)}" x2="${x(bar.high).toFixed(1)}" y1="${y + 4}" y2="${y + 14}" stroke="#111"/>`
        : '';
    const end = Math.max(x(bar.value), bar.high !== undefined ? x(bar.high) : 0);
    return (
      `<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end" class="label">${escapeHtml(bar.label)}</text>` +
      `<rect x="${labelWidth}" y="${y}" width="${(x(bar.value) - labelWidth).toFixed(1)}" height="18" fill="${fill}" stroke="${color}"/>` +
      whisker +
      `<text x="${(end + 6).toFixed(1)}" y="${y + 13}" class="value">${escapeHtml(bar.text ?? format(bar.value))}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title)}" width="${labelWidth + barWidth + 140}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 140} ${height}">` +
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e5e7eb"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9ca3af" stroke-width="3"/></pattern></defs>' +
    `<text x="0" y="16" class="title">${escapeHtml(options.title)}</text>` +
    `<line x1="${labelWidth}" x2="${labelWidth}" y1="${top - 4}" y2="${height - 6}" stroke="#9ca3af"/>` +
    rows.join('') +
    '</svg>'
  );
}

/** A line chart of one or more series over training steps. */
export function lineChart(options: { title: string; series: Array<{ name: string; points: Array<{ step: number; value: number }> }> }): string {
  const width = 520,
    height = 240,
    left = 56,
    right = 16,
    top = 30,
    bottom = 36;
  const points = options.series.flatMap((s) => s.points);
  const minStep = Math.min(...points.map((p) => p.step)),
    maxStep = Math.max(...points.map((p) => p.step));
  let minValue = Math.min(...points.map((p) => p.value)),
    maxValue = Math.max(...points.map((p) => p.value));
  if (minValue === maxValue) {
    minValue -= 0.5;
    maxValue += 0.5;
  }
  const x = (step: number) => left + (maxStep === minStep ? 0.5 : (step - minStep) / (maxStep - minStep)) * (width - left - right);
  const y = (value: number) => top + (1 - (value - minValue) / (maxValue - minValue)) * (height - top - bottom);
  const lines = options.series.map((s, index) => {
    const color = palette[index % palette.length]!;
    const path = s.points.map((p) => `${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    const dots = s.points.length === 1 ? `<circle cx="${x(s.points[0]!.step)}" cy="${y(s.points[0]!.value)}" r="3" fill="${color}"/>` : '';
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${path}"/>${dots}` +
      `<text x="${left + 8 + index * 150}" y="${height - 6}" fill="${color}" class="label">${escapeHtml(s.name)}</text>`
    );
  });
  const fmt = (value: number) => String(Math.round(value * 1000) / 1000);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text x="0" y="16" class="title">${escapeHtml(options.title)}</text>` +
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#9ca3af"/><line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#9ca3af"/>` +
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" class="axis">${fmt(maxValue)}</text><text x="${left - 6}" y="${height - bottom}" text-anchor="end" class="axis">${fmt(minValue)}</text>` +
    `<text x="${left}" y="${height - bottom + 14}" class="axis">step ${minStep}</text><text x="${width - right}" y="${height - bottom + 14}" text-anchor="end" class="axis">step ${maxStep}</text>` +
    lines.join('') +
    '</svg>'
  );
}
