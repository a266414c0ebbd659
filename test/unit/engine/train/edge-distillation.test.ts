import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { distillationMethods, resolveHyperparameters } from '../../../../src-shared/domain/method-catalog.js';
import { initializeBackend } from '../../../../src-main/engine/backends/backend-ladder.js';
import { buildBackbone } from '../../../../src-main/engine/models/index.js';
import {
  distillationStep,
  referenceRecipe,
  RunState,
  teacherRunnerFor,
  type TrainConfig,
} from '../../../../src-main/engine/train/trainer.js';

const inputShape = [16, 16, 3] as const;
const classes = 5;
const batchSize = 4;

beforeAll(async () => {
  await initializeBackend({ forced: 'wasm' });
});

// Heterogeneous pairs, a catalog teacher of every kind: residual teachers of both families, and an edge one.
const pairs = [
  ['wrn-10-1', 'shufflenetv2'],
  ['resnet8x4', 'mobilenetv2-0.5'],
  ['resnet8', 'vgg8'],
  ['vgg8', 'mobilenetv2-0.5'],
  ['wrn-10-1', 'vgg11'],
] as const;

describe.each(pairs)('distilling %s into %s on wasm', (teacherName, studentName) => {
  it('runs one step of every method without a non-finite loss or weight', async () => {
    const teacher = buildBackbone(teacherName, { inputShape, classes, seed: 3 });
    const student = buildBackbone(studentName, { inputShape, classes, seed: 4 });
    const input = tf.randomNormal<tf.Rank.R4>([batchSize, ...inputShape], 0, 1, 'float32', 5);
    const batch = {
      input,
      images: Float32Array.from(input.dataSync()),
      labels: tf.tensor1d([0, 1, 2, 4], 'int32'),
    };
    try {
      for (const method of distillationMethods) {
        const hyperparameters = resolveHyperparameters(
          method,
          {},
          { teacher: teacher.taps.length, student: student.taps.length },
        );
        const config: TrainConfig = {
          ...referenceRecipe,
          hyperparameters,
          epochs: 1,
          seed: 1,
          augmentation: { randomCrop: false, padding: 0, horizontalFlip: false },
          checkpointDirectory: null,
          resume: false,
        };
        const models = { student, teacher };
        const run = new RunState(config, models);
        const runner = await teacherRunnerFor(models, run.distiller);
        // On wasm the teacher runs in ONNX Runtime, which the ONNX writer must be able to give it.
        if (method !== 'none') expect(runner?.engine, method).toMatch(/^ONNX Runtime/);
        const before = tf.memory().numTensors;
        try {
          const outcome = await distillationStep(student, run, runner, batch, referenceRecipe.learningRate);
          const [total, ce, kd, feature] = outcome.values;
          const where = `${teacherName} → ${studentName}, ${method}`;
          for (const value of [total, ce, kd, feature]) expect(Number.isFinite(value), where).toBe(true);
          if (method === 'at' || method === 'afd' || method === 'rtk')
            expect(feature, where).toBeGreaterThan(0);
          if (method === 'kd' || method === 'afd' || method === 'rtk') expect(kd, where).toBeGreaterThan(0);
          expect(tf.memory().numTensors, where).toBe(before);
        } finally {
          run.dispose();
          await runner?.dispose();
        }
      }
      const finite = tf.tidy(() =>
        student.model.weights.every((weight) => weight.read().isFinite().all().dataSync()[0] === 1),
      );
      expect(finite).toBe(true);
    } finally {
      tf.dispose([batch.input, batch.labels]);
      teacher.model.dispose();
      student.model.dispose();
    }
  });
});
