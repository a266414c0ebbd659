import type { ChartConfiguration } from 'chart.js';
import { styleAxes } from './chart-theme.js';
import type { Chart, ChartTheme } from './chart-theme.js';

/** One point of a line chart with numeric axes. */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

/** A line chart series as chart.js draws it: points with numeric x. */
export interface LineSeries {
  readonly label: string;
  readonly points: readonly ChartPoint[];
  readonly dashed?: boolean;
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
