import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BilinearMap } from '../../../../src-main/engine/distill/attention-module.js';
import { Random } from '../../../../src-main/engine/train/random.js';

const batch = 5;
const students = 3;
const teachers = 2;
const qkDim = 4;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Dense → BatchNorm (batch or running statistics) → block-wise dot with the teacher vectors, written plainly. */
function plainScores(
  map: BilinearMap,
  studentVectors: tf.Tensor3D,
  teacherVectors: tf.Tensor3D,
  training: boolean,
): tf.Tensor3D {
  const rows = tf.reshape<tf.Rank.R2>(studentVectors, [batch * students, qkDim]);
  const outputs = tf.add<tf.Tensor2D>(tf.matMul(rows, map.dense.kernel), map.dense.bias);
  const { mean, variance } = training
    ? tf.moments(outputs, 0)
    : { mean: map.batchNorm.movingMean, variance: map.batchNorm.movingVariance };
  const normalized = tf.add(
    tf.mul(tf.div(tf.sub(outputs, mean), tf.sqrt(tf.add(variance, 1e-5))), map.batchNorm.gamma),
    map.batchNorm.beta,
  );
  const blocks = tf.reshape(normalized, [batch, students, teachers, qkDim]);
  return tf.sum(tf.mul(blocks, tf.expandDims(teacherVectors, 1)), 3);
}

describe('BilinearMap', () => {
  it.each([true, false])(
    'gives the scores and gradients of Dense → BatchNorm → dot written plainly (training %s)',
    (training) => {
      const random = new Random(8);
      const map = new BilinearMap(qkDim, teachers, random);
      const normal = (shape: number[], seed: number): tf.Tensor =>
        tf.randomNormal(shape, 0, 1, 'float32', seed);
      map.batchNorm.gamma.assign(tf.add<tf.Tensor1D>(normal([qkDim * teachers], 1), 1));
      map.batchNorm.beta.assign(normal([qkDim * teachers], 2) as tf.Tensor1D);
      map.batchNorm.movingMean.assign(normal([qkDim * teachers], 3) as tf.Tensor1D);
      map.batchNorm.movingVariance.assign(tf.add<tf.Tensor1D>(tf.abs(normal([qkDim * teachers], 4)), 0.5));
      map.dense.bias.assign(normal([qkDim * teachers], 5));
      const studentVectors = tf.variable(normal([batch, students, qkDim], 6) as tf.Tensor3D);
      const teacherVectors = tf.variable(normal([batch, teachers, qkDim], 7) as tf.Tensor3D);
      const weights = normal([batch, students, teachers], 9);
      const variables = [
        studentVectors,
        teacherVectors,
        map.dense.kernel,
        map.batchNorm.gamma,
        map.batchNorm.beta,
      ];
      const scoresOf = (
        compute: (student: tf.Tensor3D, teacher: tf.Tensor3D) => tf.Tensor3D,
      ): { value: Float32Array; gradients: Float32Array[] } => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(compute(studentVectors, teacherVectors), weights)),
          variables,
        );
        const gradients = variables.map((variable) => {
          const gradient = grads[variable.name];
          // The bias cancels under batch statistics; elsewhere every variable has a gradient.
          return gradient === undefined
            ? new Float32Array(variable.size)
            : (gradient.dataSync() as Float32Array);
        });
        return { value: value.dataSync() as Float32Array, gradients };
      };
      const actual = scoresOf((student, teacher) => map.scores(student, teacher, training));
      const expected = scoresOf((student, teacher) => plainScores(map, student, teacher, training));
      expect(actual.value[0]).toBeCloseTo(expected.value[0] ?? Number.NaN, 3);
      expected.gradients.forEach((gradient, index) => {
        const scale = Math.max(...gradient.map(Math.abs));
        expect(scale).toBeGreaterThan(1e-3);
        actual.gradients[index]?.forEach((value, position) =>
          expect(Math.abs(value - (gradient[position] ?? 0)) / scale).toBeLessThan(1e-4),
        );
      });
    },
  );
});
