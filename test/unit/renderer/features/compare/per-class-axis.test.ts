import { describe, expect, it } from 'vitest';
import { deltaAxisRange } from '../../../../../src-renderer/features/compare/compare-charts.js';

describe('deltaAxisRange', () => {
  it('leaves room above the tallest bar even when it falls on a round value', () => {
    expect(deltaAxisRange([10, 50, 20])).toEqual({ min: 0, max: 55 });
    expect(deltaAxisRange([3, 4, null])).toEqual({ min: 0, max: 6 });
  });

  it('keeps zero and the deepest bar inside, with room below', () => {
    expect(deltaAxisRange([-25, 5, 0])).toEqual({ min: -30, max: 10 });
    expect(deltaAxisRange([-6, -2])).toEqual({ min: -8, max: 2 });
  });

  it('takes whole-dataset swings of ±100 points', () => {
    expect(deltaAxisRange([100, -100])).toEqual({ min: -110, max: 110 });
  });

  it('draws an empty axis around zero when there is nothing to show', () => {
    expect(deltaAxisRange([])).toEqual({ min: 0, max: 2 });
    expect(deltaAxisRange([null, Number.NaN])).toEqual({ min: 0, max: 2 });
  });
});
