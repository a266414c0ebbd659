import type { EpochRecord } from '../../../src-shared/contracts/run-types.js';
import { applyLineSeries, lineChartConfiguration } from '../../lib/charts/line-chart.js';
import type { LineSeries } from '../../lib/charts/line-chart.js';
import type { LiveChartDefinition } from '../../lib/charts/live-chart.svelte.js';
import { strings } from '../../lib/strings.js';
import type { BatchPoint } from './run-monitor-logic.js';

const text = strings.runMonitor;

/** The series of the loss chart: the total training loss, its parts and the test loss, per epoch. */
export function lossSeries(records: readonly EpochRecord[]): LineSeries[] {
  const series = (label: string, value: (record: EpochRecord) => number, dashed = false): LineSeries => ({
    label,
    points: records.map((record) => ({ x: record.epoch, y: value(record) })),
    dashed,
  });
  const all = [
    series(text.series.total, (record) => record.trainLoss),
    series(text.series.ce, (record) => record.trainCe),
    series(text.series.kd, (record) => record.trainKd),
    series(text.series.feature, (record) => record.trainFeature),
    series(text.series.testLoss, (record) => record.testLoss, true),
  ];
  // A method without a teacher term or feature term would draw a flat zero line that only adds noise.
  return all.filter(
    (entry, index) => index === 0 || index === 4 || entry.points.some((point) => point.y !== 0),
  );
}

/** The series of the accuracy chart: training and test top-1 in percent, per epoch. */
export function accuracySeries(records: readonly EpochRecord[]): LineSeries[] {
  return [
    {
      label: text.series.trainTop1,
      points: records.map((record) => ({ x: record.epoch, y: record.trainTop1 * 100 })),
    },
    {
      label: text.series.testTop1,
      points: records.map((record) => ({ x: record.epoch, y: record.testTop1 * 100 })),
    },
  ];
}

/** A per-epoch line chart fed by `read`. */
export function epochLineChart(
  read: () => readonly LineSeries[],
  yTitle: string,
): LiveChartDefinition<'line', readonly LineSeries[]> {
  return {
    create: () => lineChartConfiguration(text.axes.epoch, yTitle, true),
    read,
    apply: applyLineSeries,
  };
}

/** The batch-loss chart of the current epoch, fed by `read`. */
export function batchLossChart(
  read: () => readonly BatchPoint[],
): LiveChartDefinition<'line', readonly BatchPoint[]> {
  return {
    create: () => lineChartConfiguration(text.axes.batch, text.axes.loss, true),
    read,
    apply: (chart, points, theme) =>
      applyLineSeries(chart, [{ label: text.series.batchLoss, points }], theme),
  };
}
