import type { ChartConfiguration } from 'chart.js';
import { styleAxes } from '../../lib/charts/chart-theme.js';
import type { ChartTheme } from '../../lib/charts/chart-theme.js';
import { applyLineSeries, lineChartConfiguration } from '../../lib/charts/line-chart.js';
import type { LineSeries } from '../../lib/charts/line-chart.js';
import type { LiveChartDefinition } from '../../lib/charts/live-chart.svelte.js';
import { strings } from '../../lib/strings.js';
import type { CompareKey, CompareRow } from './compare-model.js';
import { errorBarsPlugin } from './error-bars.js';

const text = strings.compare;

/** Index into the theme's series colours of each row, so a method keeps its colour in every chart. */
const colorIndex: Readonly<Record<CompareKey, number>> = {
  rtk: 0,
  at: 1,
  kd: 2,
  afd: 3,
  none: 4,
  teacher: 5,
};

/** The colour a method is drawn in. */
export function methodColor(key: CompareKey, theme: ChartTheme): string {
  return theme.series[colorIndex[key]] ?? theme.text;
}

/** A method's curve for the overlaid accuracy chart. */
export interface MethodCurve {
  readonly key: CompareKey;
  readonly label: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** Per-class deltas of the methods, in percentage points, by class. */
export interface PerClassSeries {
  readonly classNames: readonly string[];
  readonly series: readonly {
    readonly key: CompareKey;
    readonly label: string;
    readonly values: readonly (number | null)[];
  }[];
}

function barConfiguration(xTitle: string, yTitle: string): ChartConfiguration<'bar'> {
  return {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'category', title: { display: true, text: xTitle } },
        y: { type: 'linear', title: { display: true, text: yTitle } },
      },
      plugins: { legend: { display: false } },
    },
  };
}

/** The bar chart of best test top-1 (percent) per row, with ± one standard deviation whiskers. */
export function bestAccuracyBarChart(
  read: () => readonly CompareRow[],
): LiveChartDefinition<'bar', readonly CompareRow[]> {
  const whiskers = { errors: [] as (number | null)[], color: '#000' };
  return {
    create: () => {
      const configuration = barConfiguration(text.axes.method, text.axes.accuracy);
      return { ...configuration, plugins: [errorBarsPlugin(() => whiskers)] };
    },
    read,
    apply: (chart, rows, theme) => {
      styleAxes(chart, theme);
      const shown = rows.filter((row) => row.best !== null);
      whiskers.errors = shown.map((row) =>
        row.best === null || row.best.count < 2 ? null : row.best.std * 100,
      );
      whiskers.color = theme.text;
      chart.data.labels = shown.map((row) => row.label);
      const colors = shown.map((row) => methodColor(row.key, theme));
      const dataset = chart.data.datasets[0] ?? { data: [] };
      dataset.label = text.columns.best;
      dataset.data = shown.map((row) => (row.best === null ? 0 : row.best.mean * 100));
      dataset.backgroundColor = colors;
      dataset.borderColor = colors;
      chart.data.datasets[0] = dataset;
      const yScale = chart.options.scales?.['y'];
      if (yScale !== undefined) {
        // The whiskers must fit: accuracies end at 100 %, but mean + std may not.
        const top = Math.max(0, ...shown.map((row) => ((row.best?.mean ?? 0) + (row.best?.std ?? 0)) * 100));
        yScale.min = 0;
        yScale.suggestedMax = Math.min(100, Math.ceil(top / 5) * 5 + 5);
      }
      return shown.length > 0;
    },
  };
}

/** The overlaid mean test-accuracy curves (percent) of every method. */
export function accuracyCurvesChart(
  read: () => readonly MethodCurve[],
): LiveChartDefinition<'line', readonly MethodCurve[]> {
  return {
    create: () => lineChartConfiguration(text.axes.epoch, text.axes.accuracy, true),
    read,
    apply: (chart, curves, theme) => {
      const series: LineSeries[] = curves.map((curve) => ({
        label: curve.label,
        points: curve.points.map((point) => ({ x: point.x, y: point.y * 100 })),
        dashed: curve.key === 'teacher',
      }));
      const drawn = applyLineSeries(chart, series, theme);
      curves.forEach((curve, index) => {
        const dataset = chart.data.datasets[index];
        if (dataset === undefined) return;
        dataset.borderColor = methodColor(curve.key, theme);
        dataset.backgroundColor = methodColor(curve.key, theme);
      });
      return drawn;
    },
  };
}

/**
 * The value axis of the per-class chart, in points: zero and every bar inside it with at least a little room
 * above the tallest bar and below the deepest one, on round steps, so no bar ends on (or past) the frame.
 */
export function deltaAxisRange(values: readonly (number | null)[]): { min: number; max: number } {
  const shown = values.filter((value): value is number => value !== null && Number.isFinite(value));
  const highest = Math.max(0, ...shown);
  const lowest = Math.min(0, ...shown);
  const span = highest - lowest;
  const step = span <= 10 ? 2 : span <= 50 ? 5 : 10;
  return {
    min: lowest < 0 ? -step * (Math.floor(-lowest / step) + 1) : 0,
    max: step * (Math.floor(highest / step) + 1),
  };
}

/** The grouped bar chart of per-class accuracy changes against the student alone (points). */
export function perClassChart(read: () => PerClassSeries): LiveChartDefinition<'bar', PerClassSeries> {
  return {
    create: () => {
      const configuration = barConfiguration(text.axes.class, text.axes.delta);
      const legend = configuration.options?.plugins?.legend;
      if (legend !== undefined) {
        legend.display = true;
        legend.position = 'bottom';
      }
      return configuration;
    },
    read,
    apply: (chart, data, theme) => {
      styleAxes(chart, theme);
      chart.data.labels = [...data.classNames];
      const datasets = chart.data.datasets;
      datasets.length = data.series.length;
      data.series.forEach((entry, index) => {
        const dataset = datasets[index] ?? { data: [] };
        dataset.label = entry.label;
        dataset.data = entry.values.map((value) => (value === null ? null : value * 100));
        dataset.backgroundColor = methodColor(entry.key, theme);
        dataset.borderColor = methodColor(entry.key, theme);
        datasets[index] = dataset;
      });
      const yScale = chart.options.scales?.['y'];
      if (yScale !== undefined) {
        const range = deltaAxisRange(
          data.series.flatMap((entry) => entry.values.map((value) => (value === null ? null : value * 100))),
        );
        yScale.min = range.min;
        yScale.max = range.max;
      }
      return data.series.length > 0 && data.classNames.length > 0;
    },
  };
}
