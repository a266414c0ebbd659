import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adaptivePoolingMatrix,
  attentionMap,
  poolMaps,
  poolTap,
} from '../../../../src-main/engine/distill/attention-map.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('attentionMap', () => {
  it('is the channel mean of squares, unit-norm over positions for every sample', () => {
    const tap = tf.randomNormal<tf.Rank.R4>([3, 4, 5, 6], 0, 1, 'float32', 7);
    const map = attentionMap(tap);
    expect(map.shape).toEqual([3, 20]);
    const norms = tf.norm(map, 'euclidean', 1).arraySync() as number[];
    for (const norm of norms) expect(norm).toBeCloseTo(1, 5);
    const values = tap.arraySync();
    const sample = values[1] ?? [];
    const energy = sample.flatMap((row) =>
      row.map((pixel) => pixel.reduce((sum, value) => sum + value * value, 0) / 6),
    );
    const length = Math.hypot(...energy);
    const expected = energy.map((value) => value / length);
    const actual = map.arraySync()[1] ?? [];
    actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index] ?? Number.NaN, 6));
  });

  it('gives a finite gradient for an all-zero tap', () => {
    const gradient = tf.grad((tap) => tf.sum(attentionMap(tf.reshape<tf.Rank.R4>(tap, [1, 2, 2, 1]))))(
      tf.zeros([1, 2, 2, 1]),
    );
    for (const value of gradient.dataSync()) expect(Number.isFinite(value)).toBe(true);
  });
});

describe('adaptive pooling', () => {
  it('block-averages 4x4 to 2x2', () => {
    const map = tf.tensor2d([Array.from({ length: 16 }, (_, index) => index)]);
    const pooled = poolMaps(map, [4, 4], [2, 2]).arraySync();
    expect(pooled[0]).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('replicates 2x2 to 4x4 by nearest neighbour', () => {
    const map = tf.tensor2d([[1, 2, 3, 4]]);
    const pooled = poolMaps(map, [2, 2], [4, 4]).arraySync();
    expect(pooled[0]).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('uses overlapping windows like AdaptiveAvgPool2d for 3 to 2', () => {
    const matrix = adaptivePoolingMatrix([1, 3], [1, 2]);
    expect(Array.from(matrix)).toEqual([0.5, 0, 0.5, 0.5, 0, 0.5]);
  });

  it('pools feature taps per channel exactly as average pooling does for whole ratios', () => {
    const tap = tf.randomNormal<tf.Rank.R4>([2, 8, 8, 3], 0, 1, 'float32', 3);
    const ours = poolTap(tap, [2, 2]).dataSync();
    const reference = tf.avgPool(tap, 4, 4, 'valid').dataSync();
    ours.forEach((value, index) => expect(value).toBeCloseTo(reference[index] ?? Number.NaN, 5));
  });
});
