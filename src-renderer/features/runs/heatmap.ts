/** The value range a heatmap's colours span. */
export interface HeatmapRange {
  readonly minimum: number;
  readonly maximum: number;
}

/**
 * The colour range of a matrix: from 0 (or the smallest value when some are negative) to the largest value, so
 * a cell's shade says how it compares with the strongest link; an all-zero matrix gets the range 0..1.
 */
export function heatmapRange(matrix: readonly (readonly number[])[]): HeatmapRange {
  let minimum = 0;
  let maximum = Number.NEGATIVE_INFINITY;
  for (const row of matrix) {
    for (const value of row) {
      if (!Number.isFinite(value)) continue;
      minimum = Math.min(minimum, value);
      maximum = Math.max(maximum, value);
    }
  }
  if (!Number.isFinite(maximum) || maximum <= minimum) return { minimum, maximum: minimum + 1 };
  return { minimum, maximum };
}

/** Where a value lies in the range, 0..1 (non-finite values count as the minimum). */
export function heatmapShade(value: number, range: HeatmapRange): number {
  if (!Number.isFinite(value)) return 0;
  const fraction = (value - range.minimum) / (range.maximum - range.minimum);
  return Math.min(1, Math.max(0, fraction));
}

/** An sRGB colour as red, green, blue 0..255. */
export type Rgb = readonly [red: number, green: number, blue: number];

/** Parses `#rgb`, `#rrggbb` or `rgb(r, g, b)` (what computed CSS variables hold); null for anything else. */
export function parseColor(text: string): Rgb | null {
  const value = text.trim();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(value);
  if (short) {
    const [, red = '0', green = '0', blue = '0'] = short;
    return [parseInt(red + red, 16), parseInt(green + green, 16), parseInt(blue + blue, 16)];
  }
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(value);
  if (long) {
    const [, red = '0', green = '0', blue = '0'] = long;
    return [parseInt(red, 16), parseInt(green, 16), parseInt(blue, 16)];
  }
  const functional = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(value);
  if (functional) {
    const [, red = '0', green = '0', blue = '0'] = functional;
    return [Number(red), Number(green), Number(blue)];
  }
  return null;
}

/** The colour `fraction` of the way from `from` to `to`, as a CSS rgb() string. */
export function mixColors(from: Rgb, to: Rgb, fraction: number): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const channel = (index: 0 | 1 | 2): number => Math.round(from[index] + (to[index] - from[index]) * clamped);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

/** The row and column of the largest value, or null for an empty matrix. */
export function strongestCell(
  matrix: readonly (readonly number[])[],
): { readonly row: number; readonly column: number; readonly value: number } | null {
  let best: { row: number; column: number; value: number } | null = null;
  matrix.forEach((row, rowIndex) => {
    row.forEach((value, columnIndex) => {
      if (Number.isFinite(value) && (best === null || value > best.value)) {
        best = { row: rowIndex, column: columnIndex, value };
      }
    });
  });
  return best;
}

/** Pixel geometry of a heatmap canvas: label margins and the square cell size. */
export interface HeatmapLayout {
  readonly left: number;
  readonly top: number;
  readonly cell: number;
  readonly width: number;
  readonly height: number;
}

/** Cells as large as fit `availableWidth`, between 12 and 40 pixels, with room for row and column labels. */
export function heatmapLayout(rows: number, columns: number, availableWidth: number): HeatmapLayout {
  const left = 40;
  const top = 22;
  const cell = Math.max(12, Math.min(40, Math.floor((availableWidth - left) / Math.max(columns, 1))));
  return { left, top, cell, width: left + cell * columns, height: top + cell * rows };
}
