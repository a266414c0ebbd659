import type { Attachment } from 'svelte/attachments';
import { Chart } from './chart-theme.js';

/** One series of a grouped bar chart. */
export interface BarSeries {
  readonly label: string;
  readonly values: readonly number[];
  /** A CSS custom property of the theme, e.g. `--accent`. */
  readonly colourVariable: string;
}

/** What a grouped bar chart shows. */
export interface BarChartData {
  readonly labels: readonly string[];
  readonly series: readonly BarSeries[];
  readonly xTitle: string;
  readonly yTitle: string;
}

function themeColour(element: Element, variable: string): string {
  return getComputedStyle(element).getPropertyValue(variable).trim() || '#888888';
}

/** An attachment that draws a grouped bar chart on a canvas and destroys it when the canvas goes. */
export function barChart(data: BarChartData): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const text = themeColour(canvas, '--text-muted');
    const grid = themeColour(canvas, '--border');
    const chart = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: [...data.labels],
        datasets: data.series.map((series) => ({
          label: series.label,
          data: [...series.values],
          backgroundColor: themeColour(canvas, series.colourVariable),
          borderRadius: 3,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { labels: { color: text } } },
        scales: {
          x: {
            title: { display: true, text: data.xTitle, color: text },
            ticks: { color: text },
            grid: { color: grid },
          },
          y: {
            beginAtZero: true,
            // Room above the tallest bar: a balanced dataset's bars would otherwise end on the frame.
            grace: '8%',
            title: { display: true, text: data.yTitle, color: text },
            ticks: { color: text, precision: 0 },
            grid: { color: grid },
          },
        },
      },
    });
    return () => chart.destroy();
  };
}
