import { describe, expect, it } from 'vitest';
import { errorBarWhiskers } from '../../../../../src-renderer/features/compare/error-bars.js';

describe('errorBarWhiskers', () => {
  it('spans value ± error in pixels and skips bars without a spread', () => {
    // A y axis 0..100 drawn from pixel 300 (bottom) to 0 (top).
    const toPixel = (value: number): number => 300 - value * 3;
    const whiskers = errorBarWhiskers([10, 20, 30, 40], [70, 60, null, 50], [2, 0, 1, null], toPixel, 8);
    expect(whiskers).toEqual([{ x: 10, top: 300 - 72 * 3, bottom: 300 - 68 * 3, capWidth: 8 }]);
  });
});
