import { useId } from 'react';

export interface ChartPoint {
  x: number;
  y: number;
}

/**
 * A small SVG line chart with axes, drawn by hand (no chart library): scales to its container, keeps
 * text readable at any zoom, labels the last value, and says so when there is nothing to draw yet.
 */
export function LineChart({
  title,
  points,
  format = (value) => value.toFixed(3),
  domain,
  unit,
}: {
  title: string;
  points: ChartPoint[];
  format?: (value: number) => string;
  /** Fixed y range (for example [0, 1] for accuracy); otherwise fitted to the data. */
  domain?: [number, number];
  unit?: string;
}) {
  const id = useId();
  const width = 320;
  const height = 150;
  const pad = { left: 44, right: 12, top: 12, bottom: 26 };
  const last = points.at(-1);
  const header = (
    <div className="chart-head">
      <h3 id={`${id}-title`}>{title}</h3>
      <span className="chart-value">{last === undefined ? '—' : `${format(last.y)}${unit ?? ''}`}</span>
    </div>
  );
  if (points.length === 0) {
    return (
      <figure className="chart" aria-labelledby={`${id}-title`}>
        {header}
        <div className="chart-empty">No data yet</div>
      </figure>
    );
  }
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  let [yMin, yMax] = domain ?? [Math.min(...ys), Math.max(...ys)];
  if (yMin === yMax) {
    yMin -= Math.abs(yMin) * 0.1 + 0.5;
    yMax += Math.abs(yMax) * 0.1 + 0.5;
  }
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs) === xMin ? xMin + 1 : Math.max(...xs);
  const sx = (x: number) => pad.left + ((x - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const sy = (y: number) => pad.top + (1 - (y - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${sx(point.x).toFixed(1)},${sy(point.y).toFixed(1)}`).join(' ');
  const ticks = [yMin, (yMin + yMax) / 2, yMax];
  return (
    <figure className="chart" aria-labelledby={`${id}-title`}>
      {header}
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${title}: ${points.length} points, last ${last === undefined ? 'none' : format(last.y)}`}
      >
        {ticks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={pad.left} x2={width - pad.right} y1={sy(tick)} y2={sy(tick)} />
            <text x={pad.left - 6} y={sy(tick)} textAnchor="end" dominantBaseline="middle">
              {format(tick)}
            </text>
          </g>
        ))}
        <text className="chart-axis" x={pad.left} y={height - 6}>
          step {xMin}
        </text>
        {Math.max(...xs) !== xMin ? (
          <text className="chart-axis" x={width - pad.right} y={height - 6} textAnchor="end">
            step {Math.max(...xs)}
          </text>
        ) : null}
        <path className="chart-line" d={path} />
        {points.map((point) => (
          <circle key={point.x} className="chart-dot" cx={sx(point.x)} cy={sy(point.y)} r={points.length > 40 ? 0 : 2.5} />
        ))}
      </svg>
    </figure>
  );
}
