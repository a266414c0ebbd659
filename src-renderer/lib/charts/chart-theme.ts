import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export { Chart };

/** The theme colours charts are drawn with, read from app.css's variables. */
export interface ChartTheme {
  readonly text: string;
  readonly grid: string;
  readonly series: readonly string[];
  readonly surface: string;
}

const seriesVariables = ['--accent', '--good', '--warning', '--danger', '--text-muted', '--text-faint'];

/** Reads the current theme's colours from the CSS variables in effect at `element`. */
export function readChartTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const variable = (name: string, fallback: string): string =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    text: variable('--text-muted', '#5a6978'),
    grid: variable('--border', '#dde3ea'),
    surface: variable('--surface', '#ffffff'),
    series: seriesVariables.map((name) => variable(name, '#2557d6')),
  };
}

/** Calls `changed` whenever the OS switches between light and dark; returns the function that stops it. */
export function watchColorScheme(changed: () => void): () => void {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', changed);
  return () => query.removeEventListener('change', changed);
}

/** Colours the axes, grid and legend of a chart with the theme. */
export function styleAxes(chart: Chart, theme: ChartTheme): void {
  for (const scale of Object.values(chart.options.scales ?? {})) {
    if (scale === undefined) continue;
    if (scale.ticks) scale.ticks.color = theme.text;
    if (scale.grid) scale.grid.color = theme.grid;
    if ('title' in scale && scale.title) scale.title.color = theme.text;
  }
  const legend = chart.options.plugins?.legend;
  if (legend?.labels) legend.labels.color = theme.text;
}
