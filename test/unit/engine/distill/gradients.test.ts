import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodHyperparameters } from '../../../../src-shared/domain/method-catalog.js';
import {
  createDistiller,
  teacherBatchOf,
  teacherBatchTensors,
  teacherNeedOf,
  type TeacherBatch,
} from '../../../../src-main/engine/distill/distiller.js';
import { runBackbone } from '../../../../src-main/engine/models/index.js';
import type { Backbone, BackboneOutputs } from '../../../../src-main/engine/models/types.js';
import { buildTinyBackbone } from '../train/tiny-backbone.js';

let student: Backbone;
let teacher: Backbone;
let input: tf.Tensor4D;
let labels: tf.Tensor1D;
let teacherOutputs: BackboneOutputs;
const teacherBatches = new Map<string, TeacherBatch>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  student = buildTinyBackbone([6, 6, 2], 3, 1);
  teacher = buildTinyBackbone([6, 6, 2], 3, 50, 5);
  input = tf.randomNormal<tf.Rank.R4>([4, 6, 6, 2], 0, 1, 'float32', 3);
  labels = tf.tensor1d([0, 1, 2, 1], 'int32');
  teacherOutputs = runBackbone(teacher, input, false);
  for (const need of ['logits', 'taps', 'summaries'] as const) {
    for (const method of ['kd', 'at', 'afd', 'rtk'] as const) {
      if (teacherNeedOf(method) === need) teacherBatches.set(method, teacherBatchOf(teacherOutputs, need));
    }
  }
});

afterAll(() => {
  tf.dispose([input, labels, ...teacherOutputs.taps, teacherOutputs.logits]);
  for (const batch of teacherBatches.values()) tf.dispose(teacherBatchTensors(batch));
});

const methods: MethodHyperparameters[] = [
  { method: 'none' },
  { method: 'kd', temperature: 4, kdWeight: 0.9 },
  { method: 'at', beta: 1000 },
  { method: 'afd', beta: 200, qkDim: 8, temperature: 4, kdWeight: 0.9 },
  {
    method: 'rtk',
    beta: 200,
    qkDim: 8,
    temperature: 4,
    kdWeight: 0.9,
    rtkSelection: 'topk',
    rtkK: 2,
    rtkTau: 1 / 3,
    rtkDistance: 'normalized',
  },
];

describe.each(methods)('gradient of $method', (hyperparameters) => {
  it('reaches the student and the distillation module and matches finite differences', () => {
    const distiller = createDistiller({
      hyperparameters,
      teacherTaps: teacher.taps,
      studentTaps: student.taps,
      seed: 4,
    });
    try {
      const studentVariables = student.model.trainableWeights.map((weight) => weight.read() as tf.Variable);
      const variables = [...studentVariables, ...distiller.trainableVariables];
      const lossOf = (part: 'total' | 'feature'): tf.Scalar =>
        distiller.loss({
          student: runBackbone(student, input, true),
          teacher: teacherBatches.get(hyperparameters.method) ?? null,
          labels,
          training: true,
        })[part];
      // The feature term alone must reach the student too, not only through the cross-entropy.
      const part =
        hyperparameters.method === 'at' ||
        hyperparameters.method === 'afd' ||
        hyperparameters.method === 'rtk'
          ? 'feature'
          : 'total';
      const { value, grads } = tf.variableGrads(() => lossOf(part), variables);
      value.dispose();
      for (const variable of distiller.trainableVariables) {
        const gradient = grads[variable.name];
        expect(gradient, variable.name).toBeDefined();
        expect(tf.norm(gradient ?? tf.scalar(0)).dataSync()[0], variable.name).toBeGreaterThan(0);
      }
      const checked = [
        studentVariables[0],
        distiller.trainableVariables[0],
        distiller.variables.find((entry) => entry.name === 'bilinear/dense/kernel')?.variable,
        distiller.trainableVariables.at(-1),
      ];
      for (const variable of checked) {
        if (variable === undefined) continue;
        const gradient = grads[variable.name]?.dataSync() ?? new Float32Array();
        let index = 0;
        gradient.forEach((entry, position) => {
          if (Math.abs(entry) > Math.abs(gradient[index] ?? 0)) index = position;
        });
        const analytic = gradient[index] ?? 0;
        expect(Math.abs(analytic)).toBeGreaterThan(1e-6);
        const original = variable.dataSync().slice();
        const step = 1e-2 * Math.max(1, Math.abs(original[index] ?? 0));
        const evaluateAt = (offset: number): number => {
          const moved = original.slice();
          moved[index] = (moved[index] ?? 0) + offset;
          variable.assign(tf.tensor(moved, variable.shape));
          return tf.tidy(() => lossOf(part).dataSync()[0] ?? 0);
        };
        const numeric = (evaluateAt(step) - evaluateAt(-step)) / (2 * step);
        variable.assign(tf.tensor(original, variable.shape));
        expect(Math.abs(numeric - analytic)).toBeLessThan(0.05 * Math.abs(analytic) + 1e-4);
      }
      tf.dispose(grads);
    } finally {
      distiller.dispose();
    }
  });
});
