import { describe, expect, it } from 'vitest';
import {
  heatmapLayout,
  heatmapRange,
  heatmapShade,
  mixColors,
  parseColor,
  strongestCell,
} from '../../../../../src-renderer/features/runs/heatmap.js';

describe('heatmap scaling', () => {
  it('spans from zero to the largest value of a frequency matrix', () => {
    const range = heatmapRange([
      [0.1, 0.5],
      [0.25, 0.05],
    ]);
    expect(range).toEqual({ minimum: 0, maximum: 0.5 });
    expect(heatmapShade(0.5, range)).toBe(1);
    expect(heatmapShade(0.25, range)).toBeCloseTo(0.5, 10);
    expect(heatmapShade(0, range)).toBe(0);
  });

  it('includes negative values and ignores non-finite ones', () => {
    const range = heatmapRange([[-1, 1, Number.NaN]]);
    expect(range).toEqual({ minimum: -1, maximum: 1 });
    expect(heatmapShade(0, range)).toBeCloseTo(0.5, 10);
    expect(heatmapShade(Number.NaN, range)).toBe(0);
  });

  it('gives an all-zero or empty matrix a usable range', () => {
    expect(heatmapRange([[0, 0]])).toEqual({ minimum: 0, maximum: 1 });
    expect(heatmapRange([])).toEqual({ minimum: 0, maximum: 1 });
  });

  it('clamps values outside the range', () => {
    expect(heatmapShade(2, { minimum: 0, maximum: 1 })).toBe(1);
    expect(heatmapShade(-2, { minimum: 0, maximum: 1 })).toBe(0);
  });
});

describe('colours', () => {
  it('parses the forms computed CSS variables take', () => {
    expect(parseColor('#2557d6')).toEqual([0x25, 0x57, 0xd6]);
    expect(parseColor(' #fff ')).toEqual([255, 255, 255]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseColor('tomato')).toBeNull();
  });

  it('mixes two colours', () => {
    expect(mixColors([0, 0, 0], [200, 100, 50], 0.5)).toBe('rgb(100, 50, 25)');
    expect(mixColors([0, 0, 0], [200, 100, 50], 3)).toBe('rgb(200, 100, 50)');
  });
});

describe('strongestCell and layout', () => {
  it('finds the largest value', () => {
    expect(
      strongestCell([
        [0.1, 0.2],
        [0.9, 0.3],
      ]),
    ).toEqual({ row: 1, column: 0, value: 0.9 });
    expect(strongestCell([])).toBeNull();
  });

  it('sizes cells to the width, between 12 and 40 pixels', () => {
    expect(heatmapLayout(6, 18, 580)).toMatchObject({ cell: 30, width: 40 + 30 * 18, height: 22 + 30 * 6 });
    expect(heatmapLayout(2, 2, 2000).cell).toBe(40);
    expect(heatmapLayout(9, 27, 200).cell).toBe(12);
  });
});
