import { describe, expect, it } from 'vitest';
import {
  channelStatistics,
  countPerClass,
  imbalanceRatio,
} from '../../../../../src-main/engine/data/import/analysis.js';

describe('dataset analysis', () => {
  it('computes per-channel mean and population std', () => {
    const images = Uint8Array.from([0, 10, 255, 2, 20, 255, 4, 30, 255, 6, 40, 255]);
    const statistics = channelStatistics(
      { name: 'train', images, labels: Uint16Array.from([0, 1]), count: 2 },
      3,
    );
    expect(statistics.mean).toEqual([3, 25, 255]);
    expect(statistics.std[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(statistics.std[1]).toBeCloseTo(Math.sqrt(125), 12);
    expect(statistics.std[2]).toBe(0);
  });

  it('counts classes and their imbalance', () => {
    const counts = countPerClass(
      { name: 'train', images: new Uint8Array(5), labels: Uint16Array.from([0, 2, 2, 2, 0]), count: 5 },
      3,
    );
    expect(counts).toEqual([2, 0, 3]);
    expect(imbalanceRatio(counts)).toBeNull();
    expect(imbalanceRatio([2, 8, 4])).toBe(4);
  });
});
