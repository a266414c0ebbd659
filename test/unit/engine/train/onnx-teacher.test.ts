import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '../../../../src-main/engine/backends/backend-ladder.js';
import {
  teacherBatchOf,
  teacherBatchTensors,
  type TeacherNeed,
} from '../../../../src-main/engine/distill/distiller.js';
import { runBackbone } from '../../../../src-main/engine/models/index.js';
import type { Backbone } from '../../../../src-main/engine/models/types.js';
import { OnnxTeacher } from '../../../../src-main/engine/train/onnx-teacher.js';
import { fixtureShape, randomizedBackbone } from '../export/export-fixtures.js';

const batchSize = 4;

beforeAll(async () => {
  await initializeBackend({ forced: 'wasm' });
});

function normalisedImages(count: number, seed: number): Float32Array {
  const [height, width, channels] = fixtureShape;
  return Float32Array.from(
    { length: count * height * width * channels },
    (_, index) => Math.sin(index * 0.618 + seed) * 1.7 + Math.cos(index * 0.031) * 0.4,
  );
}

/** Largest |actual − expected| relative to the expected output's largest magnitude. */
function relativeDifference(actual: tf.Tensor, expected: tf.Tensor): number {
  expect(actual.shape).toEqual(expected.shape);
  const actualValues = actual.dataSync();
  const expectedValues = expected.dataSync();
  let scale = 0;
  let difference = 0;
  expectedValues.forEach((value, index) => {
    scale = Math.max(scale, Math.abs(value));
    const gap = Math.abs(value - (actualValues[index] as number));
    difference = Number.isNaN(gap) ? Infinity : Math.max(difference, gap);
  });
  expect(scale).toBeGreaterThan(0);
  return difference / scale;
}

/** Compares two lists of outputs pairwise, shape and values. */
function expectClose(actual: readonly tf.Tensor[], expected: readonly tf.Tensor[]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((tensor, index) => {
    const other = actual[index];
    if (other === undefined) throw new Error(`output ${index} is missing`);
    expect(relativeDifference(other, tensor)).toBeLessThanOrEqual(1e-4);
  });
}

/** Runs the teacher through both paths on the same images; disposes every tensor it made. */
async function compareWithTfjs(
  teacher: Backbone,
  onnxTeacher: OnnxTeacher,
  need: Exclude<TeacherNeed, 'nothing'>,
): Promise<void> {
  const images = normalisedImages(batchSize, 3);
  const fromOnnx = await onnxTeacher.run(images, batchSize);
  const input = tf.tensor4d(images, [batchSize, ...fixtureShape]);
  const outputs = runBackbone(teacher, input, false);
  const fromTfjs = teacherBatchOf(outputs, need);
  try {
    expect(teacher.taps.length).toBeGreaterThan(0);
    expectClose([fromOnnx.logits], [fromTfjs.logits]);
    expectClose(fromOnnx.taps, fromTfjs.taps);
    expectClose(fromOnnx.channelMeans, fromTfjs.channelMeans);
    expectClose(fromOnnx.energyMaps, fromTfjs.energyMaps);
    expect(fromOnnx.taps.map((tap) => tap.shape)).toEqual(
      need === 'taps' ? teacher.taps.map((tap) => [batchSize, ...tap.shape]) : [],
    );
    expect(fromOnnx.energyMaps.map((map) => map.shape)).toEqual(
      need === 'summaries' ? teacher.taps.map((tap) => [batchSize, tap.shape[0] * tap.shape[1]]) : [],
    );
  } finally {
    tf.dispose([input, outputs.logits, ...outputs.taps]);
    tf.dispose([...teacherBatchTensors(fromOnnx), ...teacherBatchTensors(fromTfjs)]);
  }
}

describe('OnnxTeacher on the wasm backend', () => {
  it.each([
    ['resnet8', 'taps'],
    ['wrn-16-1', 'taps'],
    ['resnet8', 'summaries'],
    ['wrn-16-1', 'summaries'],
  ] as const)('%s gives the logits and %s of runBackbone', async (name, need) => {
    expect(tf.getBackend()).toBe('wasm');
    const teacher = randomizedBackbone(name, 31);
    const onnxTeacher = await OnnxTeacher.create(teacher, { threads: 2, need });
    try {
      await compareWithTfjs(teacher, onnxTeacher, need);
    } finally {
      await onnxTeacher.dispose();
      teacher.model.dispose();
    }
  });

  it('gives only the logits when the method needs nothing else', async () => {
    const teacher = randomizedBackbone('wrn-16-1', 32);
    const onnxTeacher = await OnnxTeacher.create(teacher, { threads: 1, need: 'logits' });
    try {
      await compareWithTfjs(teacher, onnxTeacher, 'logits');
    } finally {
      await onnxTeacher.dispose();
      teacher.model.dispose();
    }
  });

  it('refuses images of the wrong length and a disposed session', async () => {
    const teacher = randomizedBackbone('resnet8', 33);
    const onnxTeacher = await OnnxTeacher.create(teacher, { threads: 1, need: 'taps' });
    try {
      await expect(onnxTeacher.run(normalisedImages(batchSize, 1).subarray(1), batchSize)).rejects.toThrow(
        'The ONNX teacher "resnet8" got 3071 image values for a batch of 4 16×16×3 images; expected 3072.',
      );
      await expect(onnxTeacher.run(normalisedImages(batchSize, 1), 0)).rejects.toThrow(/batch size/);
    } finally {
      await onnxTeacher.dispose();
      teacher.model.dispose();
    }
    await expect(onnxTeacher.run(normalisedImages(batchSize, 1), batchSize)).rejects.toThrow(/was disposed/);
  });

  it('leaves no tensor behind across three runs', async () => {
    const teacher = randomizedBackbone('resnet8', 34);
    const onnxTeacher = await OnnxTeacher.create(teacher, { threads: 2, need: 'taps' });
    try {
      const before = tf.memory().numTensors;
      for (let run = 0; run < 3; run += 1) {
        const outputs = await onnxTeacher.run(normalisedImages(batchSize, run), batchSize);
        expect(tf.memory().numTensors).toBe(before + 1 + teacher.taps.length);
        tf.dispose(teacherBatchTensors(outputs));
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await onnxTeacher.dispose();
      teacher.model.dispose();
    }
  });

  it('rejects with the reason when the teacher cannot be converted', async () => {
    const input = tf.input({ shape: [...fixtureShape] });
    const convolved = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input);
    const pooled = tf.layers.averagePooling2d({ poolSize: 2, name: 'average_pool' }).apply(convolved);
    const averaged = tf.layers.globalAveragePooling2d({}).apply(pooled);
    const logits = tf.layers.dense({ units: 4 }).apply(averaged) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: logits, name: 'pooled' });
    const teacher: Backbone = {
      name: 'pooled',
      model,
      taps: [],
      inputShape: [...fixtureShape],
      classes: 4,
      parameterCount: 0,
    };
    try {
      await expect(OnnxTeacher.create(teacher, { threads: 1, need: 'logits' })).rejects.toThrow(
        /Teacher "pooled" cannot run in ONNX Runtime: Layer "average_pool" \(AveragePooling2D\) has no ONNX conversion/,
      );
      await expect(OnnxTeacher.create(teacher, { threads: 0, need: 'logits' })).rejects.toThrow(/threads/);
    } finally {
      model.dispose();
    }
  });
});
