import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SgdMomentum } from '../../../../src-main/engine/train/optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SgdMomentum', () => {
  it('follows torch.optim.SGD with momentum and weight decay over three steps', () => {
    const weight = tf.variable(tf.tensor1d([1, -2]));
    const optimizer = new SgdMomentum([weight], 0.9, 0.1);
    const gradients = [
      [0.5, 1],
      [-1, 0.25],
      [0, 2],
    ];
    const learningRates = [0.1, 0.1, 0.05];
    // By hand: g = ∇ + λw; b = μb + g; w = w − lr·b.
    let expected = [1, -2];
    let buffer = [0, 0];
    gradients.forEach((gradient, step) => {
      const decayed = gradient.map((value, index) => value + 0.1 * (expected[index] ?? 0));
      buffer = buffer.map((value, index) => 0.9 * value + (decayed[index] ?? 0));
      expected = expected.map((value, index) => value - (learningRates[step] ?? 0) * (buffer[index] ?? 0));
      optimizer.apply({ [weight.name]: tf.tensor1d(gradient) }, learningRates[step] ?? 0);
    });
    const actual = Array.from(weight.dataSync());
    actual.forEach((value, index) => expect(value).toBeCloseTo(expected[index] ?? Number.NaN, 6));
    const momentum = Array.from(optimizer.buffers[0]?.dataSync() ?? []);
    momentum.forEach((value, index) => expect(value).toBeCloseTo(buffer[index] ?? Number.NaN, 6));
    optimizer.dispose();
    weight.dispose();
  });

  it('disposes the gradients it is given and leaks no tensors', () => {
    const weight = tf.variable(tf.ones([3]));
    const optimizer = new SgdMomentum([weight], 0.9, 5e-4);
    const before = tf.memory().numTensors;
    optimizer.apply({ [weight.name]: tf.ones([3]) }, 0.1);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    weight.dispose();
  });

  it('names a variable that received no gradient', () => {
    const weight = tf.variable(tf.ones([1]));
    const optimizer = new SgdMomentum([weight], 0.9, 0);
    expect(() => optimizer.apply({}, 0.1)).toThrow(weight.name);
    optimizer.dispose();
    weight.dispose();
  });
});
