import type { ChartConfiguration } from 'chart.js';
import type { EpochRecord } from '../../../src-shared/contracts/run-types.js';
import { strings } from '../../lib/strings.js';
import { styleAxes } from './chart-theme.js';
import type { Chart, ChartTheme } from './chart-theme.js';
import type { LiveChartDefinition } from './chart-attach.svelte.js';
import type { BatchPoint } from './run-monitor-logic.js';

const text = strings.runMonitor;

/** A line chart series as chart.js draws it: points with numeric x. */
export interface LineSeries {
  readonly label: string;
  readonly points: readonly BatchPoint[];
  readonly dashed?: boolean;
}

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

/** The configuration of a line chart with numeric x and y axes and no animation. */
export function lineChartConfiguration(
  xTitle: string,
  yTitle: string,
  integerX: boolean,
): ChartConfiguration<'line'> {
  return {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          title: { display: true, text: xTitle },
          ticks: { precision: integerX ? 0 : 2 },
        },
        y: { type: 'linear', title: { display: true, text: yTitle } },
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  };
}

/** Writes the series into a line chart, reusing its dataset objects so chart.js only redraws. */
export function applyLineSeries(
  chart: Chart<'line'>,
  series: readonly LineSeries[],
  theme: ChartTheme,
): boolean {
  styleAxes(chart, theme);
  const datasets = chart.data.datasets;
  datasets.length = series.length;
  series.forEach((entry, index) => {
    const color = theme.series[index % theme.series.length] ?? theme.text;
    const dataset = datasets[index] ?? { data: [] };
    dataset.label = entry.label;
    dataset.data = entry.points.map((point) => ({ x: point.x, y: point.y }));
    dataset.borderColor = color;
    dataset.backgroundColor = color;
    dataset.borderWidth = 2;
    dataset.borderDash = entry.dashed === true ? [6, 4] : [];
    dataset.pointRadius = entry.points.length > 40 ? 0 : 2;
    dataset.tension = 0;
    datasets[index] = dataset;
  });
  return series.some((entry) => entry.points.length > 0);
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
