import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, distillationKl } from '../../../../src-main/engine/distill/logit-losses.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function softmax(values: number[], temperature: number): number[] {
  const scaled = values.map((value) => Math.exp(value / temperature));
  const total = scaled.reduce((sum, value) => sum + value, 0);
  return scaled.map((value) => value / total);
}

describe('distillationKl', () => {
  it('is zero when student and teacher logits are equal', () => {
    const logits = tf.tensor2d([
      [1, -2, 0.5],
      [3, 0, -1],
    ]);
    expect(distillationKl(logits, logits, 4).dataSync()[0]).toBeCloseTo(0, 6);
  });

  it('equals T²·KL(p_t‖p_s) summed over classes and averaged over the batch', () => {
    const student = [
      [1, 0, -1],
      [0.2, 0.4, 2],
    ];
    const teacher = [
      [2, -1, 0],
      [1, 1, -3],
    ];
    const temperature = 2;
    const perSample = student.map((row, sample) => {
      const studentProbabilities = softmax(row, temperature);
      const teacherProbabilities = softmax(teacher[sample] ?? [], temperature);
      return teacherProbabilities.reduce(
        (sum, probability, index) =>
          sum + probability * Math.log(probability / (studentProbabilities[index] ?? 1)),
        0,
      );
    });
    const expected = (temperature ** 2 * ((perSample[0] ?? 0) + (perSample[1] ?? 0))) / 2;
    const actual = distillationKl(tf.tensor2d(student), tf.tensor2d(teacher), temperature).dataSync()[0];
    expect(actual).toBeCloseTo(expected, 5);
    expect(expected).toBeGreaterThan(0.1);
  });
});

describe('crossEntropy', () => {
  it('is the mean negative log-probability of the true class', () => {
    const logits = [
      [2, 1, 0],
      [0, 0, 3],
    ];
    const labels = [0, 1];
    const expected =
      -(Math.log(softmax(logits[0] ?? [], 1)[0] ?? 1) + Math.log(softmax(logits[1] ?? [], 1)[1] ?? 1)) / 2;
    const actual = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync()[0];
    expect(actual).toBeCloseTo(expected, 5);
  });
});
