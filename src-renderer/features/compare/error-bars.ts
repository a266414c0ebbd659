import type { Chart, Plugin } from 'chart.js';

/** A vertical whisker in pixels: from `top` to `bottom` at `x`, with caps `capWidth` wide. */
export interface Whisker {
  readonly x: number;
  readonly top: number;
  readonly bottom: number;
  readonly capWidth: number;
}

/**
 * The whiskers of bars at pixel positions `xs` with heights `values` ± `errors`, mapped to pixels by `toPixel`;
 * bars without a value or a positive error get none.
 */
export function errorBarWhiskers(
  xs: readonly number[],
  values: readonly (number | null)[],
  errors: readonly (number | null)[],
  toPixel: (value: number) => number,
  capWidth: number,
): Whisker[] {
  const whiskers: Whisker[] = [];
  xs.forEach((x, index) => {
    const value = values[index];
    const error = errors[index];
    if (value === null || value === undefined || error === null || error === undefined || !(error > 0))
      return;
    whiskers.push({ x, top: toPixel(value + error), bottom: toPixel(value - error), capWidth });
  });
  return whiskers;
}

/**
 * A chart.js plugin that draws ± error whiskers over the first dataset's bars; `read` gives the errors (same
 * units as the data) and the colour at draw time, so the chart never has to be rebuilt when they change.
 */
export function errorBarsPlugin(
  read: () => { readonly errors: readonly (number | null)[]; readonly color: string },
): Plugin<'bar'> {
  return {
    id: 'workbenchErrorBars',
    afterDatasetsDraw(chart: Chart<'bar'>) {
      const meta = chart.getDatasetMeta(0);
      const scale = chart.scales['y'];
      if (scale === undefined || meta.hidden) return;
      const { errors, color } = read();
      const values =
        chart.data.datasets[0]?.data.map((value) => (typeof value === 'number' ? value : null)) ?? [];
      const xs = meta.data.map((element) => element.x);
      const whiskers = errorBarWhiskers(xs, values, errors, (value) => scale.getPixelForValue(value), 10);
      const context = chart.ctx;
      context.save();
      context.strokeStyle = color;
      context.lineWidth = 1.5;
      context.beginPath();
      for (const whisker of whiskers) {
        const half = whisker.capWidth / 2;
        context.moveTo(whisker.x, whisker.top);
        context.lineTo(whisker.x, whisker.bottom);
        context.moveTo(whisker.x - half, whisker.top);
        context.lineTo(whisker.x + half, whisker.top);
        context.moveTo(whisker.x - half, whisker.bottom);
        context.lineTo(whisker.x + half, whisker.bottom);
      }
      context.stroke();
      context.restore();
    },
  };
}
