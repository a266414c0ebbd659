import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../../../../src-shared/contracts/run-types.js';
import { accuracySeries, lossSeries } from '../../../../../src-renderer/features/runs/run-charts.js';

function record(epoch: number, parts: { kd: number; feature: number }): EpochRecord {
  return {
    epoch,
    learningRate: 0.05,
    trainLoss: 2 / epoch,
    trainCe: 1 / epoch,
    trainKd: parts.kd,
    trainFeature: parts.feature,
    trainTop1: 0.1 * epoch,
    testLoss: 3 / epoch,
    testTop1: 0.05 * epoch,
    testTop5: 0.5,
    seconds: 1,
    imagesPerSecond: 100,
    perClass: [],
    attention: null,
    selection: null,
  };
}

describe('lossSeries', () => {
  it('draws the total, every part that is not always zero, and the dashed test loss', () => {
    const series = lossSeries([record(1, { kd: 0.5, feature: 0 }), record(2, { kd: 0.4, feature: 0 })]);
    expect(series.map((entry) => entry.label)).toEqual([
      'Total loss',
      'Labels (cross-entropy)',
      'Teacher predictions (KD)',
      'Test loss',
    ]);
    expect(series[0]?.points).toEqual([
      { x: 1, y: 2 },
      { x: 2, y: 1 },
    ]);
    expect(series[3]?.dashed).toBe(true);
  });

  it('keeps the total and test loss even without epochs', () => {
    expect(lossSeries([]).map((entry) => entry.label)).toEqual(['Total loss', 'Test loss']);
  });
});

describe('accuracySeries', () => {
  it('gives training and test top-1 in percent', () => {
    const [train, test] = accuracySeries([
      record(1, { kd: 0, feature: 0 }),
      record(3, { kd: 0, feature: 0 }),
    ]);
    expect(train?.points.map((point) => Math.round(point.y * 1000) / 1000)).toEqual([10, 30]);
    expect(test?.points.map((point) => [point.x, Math.round(point.y)])).toEqual([
      [1, 5],
      [3, 15],
    ]);
  });
});
