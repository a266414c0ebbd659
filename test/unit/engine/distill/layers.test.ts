import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm } from '../../../../src-main/engine/distill/layers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('BatchNorm', () => {
  it('normalises over the batch when training with the gradients of moments and a batch norm', () => {
    const rows = 7;
    const columns = 5;
    const layer = new BatchNorm('norm', columns);
    layer.gamma.assign(tf.randomNormal<tf.Rank.R1>([columns], 1, 0.5, 'float32', 1));
    layer.beta.assign(tf.randomNormal<tf.Rank.R1>([columns], 0, 1, 'float32', 2));
    const input = tf.variable(tf.randomNormal<tf.Rank.R2>([rows, columns], 3, 2, 'float32', 3));
    const weights = tf.randomNormal<tf.Rank.R2>([rows, columns], 0, 1, 'float32', 4);
    const variables = [input, layer.gamma, layer.beta];
    const gradientsOf = (normalize: () => tf.Tensor2D): { value: number; gradients: Float32Array[] } => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(normalize(), weights)), variables);
      return {
        value: value.dataSync()[0] ?? Number.NaN,
        gradients: variables.map((variable) => grads[variable.name]?.dataSync() as Float32Array),
      };
    };
    const composed = gradientsOf(() => {
      const { mean, variance } = tf.moments(input, 0);
      return tf.batchNorm2d(
        input,
        mean as tf.Tensor1D,
        variance as tf.Tensor1D,
        layer.beta,
        layer.gamma,
        1e-5,
      );
    });
    const before = layer.movingMean.dataSync().slice();
    const fused = gradientsOf(() => layer.apply(input, true));
    expect(fused.value).toBeCloseTo(composed.value, 4);
    composed.gradients.forEach((gradient, index) => {
      const scale = Math.max(...gradient.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-3);
      fused.gradients[index]?.forEach((value, position) =>
        expect(Math.abs(value - (gradient[position] ?? 0)) / scale).toBeLessThan(1e-5),
      );
    });
    // The running mean moved a tenth of the way to the batch mean (3 here, from 0).
    const columnMeans = tf.mean(input, 0).dataSync();
    layer.movingMean
      .dataSync()
      .forEach((value, column) =>
        expect(value).toBeCloseTo((before[column] ?? 0) * 0.9 + (columnMeans[column] ?? 0) * 0.1, 5),
      );
  });
});
