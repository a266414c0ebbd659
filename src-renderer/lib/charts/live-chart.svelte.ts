import { untrack } from 'svelte';
import type { Attachment } from 'svelte/attachments';
import type { ChartConfiguration, ChartType } from 'chart.js';
import { Chart, readChartTheme, watchColorScheme } from './chart-theme.js';
import type { ChartTheme } from './chart-theme.js';
import { createThrottle } from './throttle.js';

/** How often a chart may redraw at most: a few times a second keeps the page smooth during training. */
export const chartRedrawMilliseconds = 250;

/** A chart kept current by the attachment: built once, then fed data and theme changes. */
export interface LiveChartDefinition<Type extends ChartType, Data> {
  /** The configuration the chart is built with (no data yet). */
  readonly create: (theme: ChartTheme) => ChartConfiguration<Type>;
  /** Reads the data; the reactive reads here are what trigger redraws. */
  readonly read: () => Data;
  /** Writes the data and theme into the chart; returns whether it now shows any data. */
  readonly apply: (chart: Chart<Type>, data: Data, theme: ChartTheme) => boolean;
}

/**
 * An attachment that creates a chart.js chart on its canvas once, redraws it with `update('none')` at most every
 * `chartRedrawMilliseconds` while its data changes, recolours it when the OS theme changes, and destroys it with
 * the canvas. Sets `data-drawn="true"` once the chart shows data, for the end-to-end tests.
 */
export function liveChart<Type extends ChartType, Data>(
  definition: LiveChartDefinition<Type, Data>,
): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    let theme = readChartTheme(canvas);
    const chart = untrack(() => new Chart<Type>(canvas, definition.create(theme)));
    let latest: Data | undefined;
    let hasData = false;
    const redraw = (): void => {
      if (!hasData) return;
      const drawn = definition.apply(chart, latest as Data, theme);
      chart.update('none');
      canvas.dataset['drawn'] = String(drawn);
    };
    const throttle = createThrottle(redraw, chartRedrawMilliseconds);
    $effect(() => {
      latest = definition.read();
      hasData = true;
      throttle.request();
    });
    const stopWatching = watchColorScheme(() => {
      theme = readChartTheme(canvas);
      redraw();
    });
    return () => {
      throttle.cancel();
      stopWatching();
      chart.destroy();
    };
  };
}
