import { heatmapLayout, heatmapRange, heatmapShade, mixColors, parseColor } from './heatmap.js';
import type { Rgb } from './heatmap.js';

/** What a heatmap canvas is drawn from. */
export interface HeatmapPicture {
  readonly matrix: readonly (readonly number[])[];
  readonly rowLabel: (index: number) => string;
  readonly columnLabel: (index: number) => string;
}

const fallbackLow: Rgb = [255, 255, 255];
const fallbackHigh: Rgb = [37, 87, 214];

function cssColor(element: Element, name: string, fallback: Rgb): Rgb {
  return parseColor(getComputedStyle(element).getPropertyValue(name)) ?? fallback;
}

/**
 * Draws the matrix as coloured cells (the surface colour for the range's low end, the accent for its high
 * end) with row and column labels, sized to the canvas's container and sharp on high-density screens.
 */
export function drawHeatmap(canvas: HTMLCanvasElement, picture: HeatmapPicture): void {
  const context = canvas.getContext('2d');
  if (context === null) return;
  const rows = picture.matrix.length;
  const columns = picture.matrix[0]?.length ?? 0;
  const available = canvas.parentElement?.clientWidth ?? 600;
  const layout = heatmapLayout(rows, columns, available);
  const density = window.devicePixelRatio || 1;
  canvas.width = Math.round(layout.width * density);
  canvas.height = Math.round(layout.height * density);
  canvas.style.width = `${layout.width}px`;
  canvas.style.height = `${layout.height}px`;
  context.setTransform(density, 0, 0, density, 0, 0);
  context.clearRect(0, 0, layout.width, layout.height);

  const low = cssColor(canvas, '--surface-muted', fallbackLow);
  const high = cssColor(canvas, '--accent', fallbackHigh);
  const text = cssColor(canvas, '--text-muted', [90, 105, 120]);
  const border = cssColor(canvas, '--border', [221, 227, 234]);
  const range = heatmapRange(picture.matrix);

  picture.matrix.forEach((row, rowIndex) => {
    row.forEach((value, columnIndex) => {
      const x = layout.left + columnIndex * layout.cell;
      const y = layout.top + rowIndex * layout.cell;
      context.fillStyle = mixColors(low, high, heatmapShade(value, range));
      context.fillRect(x, y, layout.cell, layout.cell);
      context.strokeStyle = mixColors(border, border, 0);
      context.lineWidth = 1;
      context.strokeRect(x + 0.5, y + 0.5, layout.cell - 1, layout.cell - 1);
    });
  });

  context.fillStyle = mixColors(text, text, 0);
  context.font = `${Math.min(12, Math.max(9, layout.cell / 2.4))}px system-ui, sans-serif`;
  context.textBaseline = 'middle';
  context.textAlign = 'right';
  for (let rowIndex = 0; rowIndex < rows; rowIndex += 1) {
    context.fillText(
      picture.rowLabel(rowIndex),
      layout.left - 6,
      layout.top + rowIndex * layout.cell + layout.cell / 2,
    );
  }
  context.textAlign = 'center';
  context.textBaseline = 'bottom';
  const labelEvery = layout.cell < 22 ? 2 : 1;
  for (let columnIndex = 0; columnIndex < columns; columnIndex += labelEvery) {
    context.fillText(
      picture.columnLabel(columnIndex),
      layout.left + columnIndex * layout.cell + layout.cell / 2,
      layout.top - 4,
    );
  }
}
