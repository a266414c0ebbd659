import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adaptivePoolingMatrix,
  attentionMap,
  channelMeans,
  energyMap,
  poolMapStack,
  poolMaps,
  tapSummary,
} from '../../../../src-main/engine/distill/attention-map.js';
import { initializeBackend } from '../../../../src-main/engine/backends/backend-ladder.js';

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

describe('tapSummary', () => {
  it.each([
    [2, 4, 4, 3],
    [3, 5, 2, 1],
    [1, 8, 8, 16],
  ] as const)(
    'gives channelMeans and energyMap of a %i x %i x %i x %i tap and their gradient, on cpu and wasm',
    async (batch, height, width, channels) => {
      for (const backend of ['cpu', 'wasm']) {
        if (backend === 'wasm') await initializeBackend({ forced: 'wasm' });
        const tap = tf.randomNormal<tf.Rank.R4>([batch, height, width, channels], 0, 1, 'float32', 3);
        const meanWeights = tf.randomNormal<tf.Rank.R2>([batch, channels], 0, 1, 'float32', 4);
        const energyWeights = tf.randomNormal<tf.Rank.R2>([batch, height * width], 0, 1, 'float32', 5);
        const weighted = (means: tf.Tensor2D, energy: tf.Tensor2D): tf.Scalar =>
          tf.add(tf.sum(tf.mul(means, meanWeights)), tf.sum(tf.mul(energy, energyWeights)));
        const fused = (values: tf.Tensor): tf.Scalar => {
          const summary = tapSummary(values as tf.Tensor4D);
          return weighted(summary.means, summary.energy);
        };
        const composite = (values: tf.Tensor): tf.Scalar =>
          weighted(channelMeans(values as tf.Tensor4D), energyMap(values as tf.Tensor4D));
        const summary = tapSummary(tap);
        const largest = (tensor: tf.Tensor): number => tf.max(tf.abs(tensor)).dataSync()[0] ?? Infinity;
        expect(largest(tf.sub(summary.means, channelMeans(tap)))).toBeLessThan(1e-6);
        expect(largest(tf.sub(summary.energy, energyMap(tap)))).toBeLessThan(1e-5);
        const expected = tf.grad(composite)(tap);
        expect(largest(tf.sub(tf.grad(fused)(tap), expected)) / largest(expected)).toBeLessThan(1e-6);
        tf.dispose([tap, meanWeights, energyWeights, summary.means, summary.energy, expected]);
      }
      await tf.setBackend('cpu');
    },
  );
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

  it.each([
    [
      [8, 8],
      [2, 2],
    ],
    [
      [8, 4],
      [4, 2],
    ],
    [
      [2, 2],
      [8, 8],
    ],
    [
      [4, 2],
      [8, 6],
    ],
    [
      [3, 3],
      [2, 2],
    ],
  ] as const)(
    'pools stacked maps from %j to %j as the pooling matrix does, and passes gradients the same way',
    async (from, to) => {
      for (const backend of ['cpu', 'wasm']) {
        if (backend === 'wasm') await initializeBackend({ forced: 'wasm' });
        const maps = tf.randomNormal<tf.Rank.R3>([2, 3, from[0] * from[1]], 0, 1, 'float32', 5);
        const weights = tf.randomNormal<tf.Rank.R3>([2, 3, to[0] * to[1]], 0, 1, 'float32', 6);
        const stacked = (values: tf.Tensor): tf.Scalar =>
          tf.sum(tf.mul(poolMapStack(values as tf.Tensor3D, from, to), weights));
        const byMatrix = (values: tf.Tensor): tf.Scalar =>
          tf.sum(
            tf.mul(
              tf.reshape(poolMaps(tf.reshape(values, [6, from[0] * from[1]]), from, to), [
                2,
                3,
                to[0] * to[1],
              ]),
              weights,
            ),
          );
        const expected = tf.reshape(poolMaps(tf.reshape(maps, [6, from[0] * from[1]]), from, to), [2, 3, -1]);
        const actual = poolMapStack(maps, from, to);
        expect(actual.shape).toEqual([2, 3, to[0] * to[1]]);
        const difference = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0] ?? Infinity;
        expect(difference).toBeLessThan(1e-6);
        const gradientDifference = tf.max(tf.abs(tf.sub(tf.grad(stacked)(maps), tf.grad(byMatrix)(maps))));
        expect(gradientDifference.dataSync()[0] ?? Infinity).toBeLessThan(1e-6);
        tf.dispose([maps, weights, expected, actual, gradientDifference]);
      }
      await tf.setBackend('cpu');
    },
  );

  it('uses overlapping windows like AdaptiveAvgPool2d for 3 to 2', () => {
    const matrix = adaptivePoolingMatrix([1, 3], [1, 2]);
    expect(Array.from(matrix)).toEqual([0.5, 0, 0.5, 0.5, 0, 0.5]);
  });
});
