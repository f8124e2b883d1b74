import type { TrainingMetricsPoint } from '../../../../electron/core/contract/training.ts';
import { LineChart, type ChartPoint } from '../../components/LineChart.tsx';

const series = (points: TrainingMetricsPoint[], key: 'rewardMean' | 'heldoutAccuracy' | 'kl' | 'loss'): ChartPoint[] =>
  points.flatMap((point) => (point[key] === null ? [] : [{ x: point.step, y: point[key]! }]));

/** Clip fraction of every optimizer update: update u of n in step s is drawn at s - 1 + (u + 1) / n. */
const clipSeries = (points: TrainingMetricsPoint[]): ChartPoint[] =>
  points.flatMap((point) => {
    const updates = point.clipFractions ?? (point.clipFraction === null ? [] : [point.clipFraction]);
    return updates.map((y, u) => ({ x: point.step - 1 + (u + 1) / updates.length, y }));
  });

/** The live charts of a training run. */
export function MetricsCharts({ points }: { points: TrainingMetricsPoint[] }) {
  return (
    <div className="charts" data-testid="training-charts">
      <LineChart title="Reward (mean)" points={series(points, 'rewardMean')} domain={[0, 1]} format={(value) => value.toFixed(2)} />
      <LineChart
        title="Held-out accuracy"
        points={series(points, 'heldoutAccuracy').map((point) => ({ x: point.x, y: point.y * 100 }))}
        domain={[0, 100]}
        format={(value) => value.toFixed(0)}
        unit="%"
      />
      <LineChart title="KL to base" points={series(points, 'kl')} format={(value) => value.toExponential(1)} />
      <LineChart title="Loss" points={series(points, 'loss')} format={(value) => value.toFixed(3)} />
      <LineChart title="Clip fraction (per update)" points={clipSeries(points)} domain={[0, 1]} format={(value) => value.toFixed(2)} />
      <LineChart
        title="Informative groups"
        points={points.flatMap((p) => (p.informativeFraction === null ? [] : [{ x: p.step, y: p.informativeFraction * 100 }]))}
        domain={[0, 100]}
        format={(value) => value.toFixed(0)}
        unit="%"
      />
    </div>
  );
}
