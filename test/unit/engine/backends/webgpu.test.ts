import { existsSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../../../../src-shared/contracts/engine-status.js';
import {
  distillationMethods,
  resolveHyperparameters,
  type DistillationMethod,
} from '../../../../src-shared/domain/method-catalog.js';
import { formatEngineStatus } from '../../../../src-main/cli/commands/doctor.js';
import { initializeBackend } from '../../../../src-main/engine/backends/backend-ladder.js';
import {
  checkGpuMemory,
  estimateTrainingMemory,
  isSoftwareAdapter,
} from '../../../../src-main/engine/backends/webgpu.js';
import {
  createDistiller,
  teacherBatchOf,
  teacherBatchTensors,
  teacherNeedOf,
} from '../../../../src-main/engine/distill/distiller.js';
import { buildBackbone, runBackbone } from '../../../../src-main/engine/models/index.js';
import type { Backbone } from '../../../../src-main/engine/models/types.js';
import { RunState, trainStep, type TrainConfig } from '../../../../src-main/engine/train/trainer.js';
import { buildTinyBackbone } from '../train/tiny-backbone.js';

// CI has no GPU: SwiftShader's Vulkan driver from Debian's chromium package is the adapter. Chromium ships its
// own Vulkan loader; loading it first (kept resident) lets Dawn's dlopen("libvulkan.so.1") find it without
// LD_LIBRARY_PATH, which can only be set before the process starts: it is set for the adapter probe, which
// runs in a child process.
const chromium = '/usr/lib/chromium';
const swiftShaderIcd = `${chromium}/vk_swiftshader_icd.json`;
const keepLoaded = 0x1000; // glibc RTLD_NODELETE, which os.constants.dlopen does not list

function useSwiftShader(): void {
  process.env['VK_ICD_FILENAMES'] = swiftShaderIcd;
  process.env['LD_LIBRARY_PATH'] = chromium;
  const loader = `${chromium}/libvulkan.so.1`;
  if (!existsSync(swiftShaderIcd) || !existsSync(loader)) {
    throw new Error(`SwiftShader is missing: install Debian's chromium package (${swiftShaderIcd}).`);
  }
  const flags = os.constants.dlopen;
  try {
    process.dlopen({ exports: {} }, loader, flags.RTLD_NOW | flags.RTLD_GLOBAL | keepLoaded);
  } catch (error) {
    // A shared library that is not a Node addon always ends in this error, after it has been loaded.
    if (!(error instanceof Error && error.message.includes('did not self-register'))) throw error;
  }
}

const gpuMethods = distillationMethods;

const inputShape = [8, 8, 3] as const;
const classes = 4;
const batch = 4;

interface Pair {
  readonly label: string;
  readonly build: () => { student: Backbone; teacher: Backbone };
  readonly size: number;
}

const pairs: Pair[] = [
  {
    label: 'conv-BN-ReLU net at 8x8',
    size: 8,
    build: () => ({
      student: buildTinyBackbone([...inputShape], classes, 1),
      teacher: buildTinyBackbone([...inputShape], classes, 30, 5),
    }),
  },
  {
    // The catalog's smallest input is 16x16 (validateBackboneSize), so ResNet-8 runs there.
    label: 'resnet8 at 16x16',
    size: 16,
    build: () => ({
      student: buildBackbone('resnet8', { inputShape: [16, 16, 3], classes, seed: 1 }),
      teacher: buildBackbone('resnet8', { inputShape: [16, 16, 3], classes, seed: 30 }),
    }),
  },
];

function fixedBatch(size: number): { input: tf.Tensor4D; labels: tf.Tensor1D } {
  const count = batch * size * size * 3;
  const values = Float32Array.from({ length: count }, (_, index) => Math.sin(index * 0.37) * 1.5);
  return {
    input: tf.tensor4d(values, [batch, size, size, 3]),
    labels: tf.tensor1d([0, 1, 2, 3], 'int32'),
  };
}

/** The loss and the gradient of every student and module variable, read back as plain arrays. */
async function gradients(pair: Pair, method: DistillationMethod): Promise<Float32Array[]> {
  const { student, teacher } = pair.build();
  const hyperparameters = resolveHyperparameters(
    method,
    {},
    { teacher: teacher.taps.length, student: student.taps.length },
  );
  const distiller = createDistiller({
    hyperparameters,
    teacherTaps: teacher.taps,
    studentTaps: student.taps,
    seed: 5,
  });
  const { input, labels } = fixedBatch(pair.size);
  try {
    const tensors = tf.tidy(() => {
      const need = teacherNeedOf(hyperparameters.method);
      const teacherOutputs =
        need === 'nothing' ? null : teacherBatchOf(runBackbone(teacher, input, false), need);
      const variables = [
        ...student.model.trainableWeights.map((weight) => weight.read() as tf.Variable),
        ...distiller.trainableVariables,
      ];
      const { value, grads } = tf.variableGrads(() => {
        const outputs = runBackbone(student, input, true);
        return distiller.loss({ student: outputs, teacher: teacherOutputs, labels, training: true }).total;
      }, variables);
      return [value, ...variables.map((variable) => grads[variable.name] ?? tf.zeros([1]))];
    });
    // Asynchronous reads only: the webgpu backend has no synchronous readback under Node.
    const values = await Promise.all(tensors.map(async (tensor) => (await tensor.data()) as Float32Array));
    tf.dispose(tensors);
    return values;
  } finally {
    tf.dispose([input, labels]);
    distiller.dispose();
    student.model.dispose();
    teacher.model.dispose();
  }
}

const config: TrainConfig = {
  hyperparameters: resolveHyperparameters('afd', {}, { teacher: 3, student: 3 }),
  epochs: 1,
  batchSize: batch,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: { kind: 'cosine', minimum: 0 },
  warmupEpochs: 0,
  seed: 3,
  augmentation: { randomCrop: false, padding: 0, horizontalFlip: false },
  evaluationBatchSize: batch,
  checkpointDirectory: null,
  resume: false,
};

/** Total loss of ten SGD steps of an afd run on one fixed batch. */
async function lossCurve(): Promise<number[]> {
  const models = pairs[0]?.build();
  if (models === undefined) throw new Error('no tiny pair');
  const run = new RunState(config, models);
  const { input, labels } = fixedBatch(8);
  const losses: number[] = [];
  try {
    for (let step = 0; step < 10; step += 1) {
      const teacher = teacherBatchOf(runBackbone(models.teacher, input, false), 'summaries');
      const outcome = trainStep(models.student, run, input, labels, config.learningRate, teacher);
      tf.dispose(teacherBatchTensors(teacher));
      losses.push((await outcome.summary.data())[0] ?? Number.NaN);
      tf.dispose([outcome.summary, ...(outcome.attentionSum === null ? [] : [outcome.attentionSum])]);
    }
  } finally {
    run.dispose();
    tf.dispose([input, labels]);
    models.student.model.dispose();
    models.teacher.model.dispose();
  }
  return losses;
}

/**
 * Largest element difference over the largest reference magnitude of the whole set: some gradients are zero
 * in exact arithmetic (a key bias under softmax), so each tensor alone would compare rounding noise.
 */
function relativeError(reference: readonly Float32Array[], actual: readonly Float32Array[]): number {
  let scale = 0;
  let difference = 0;
  reference.forEach((values, tensor) => {
    const other = actual[tensor];
    if (other?.length !== values.length) difference = Number.POSITIVE_INFINITY;
    values.forEach((value, index) => {
      scale = Math.max(scale, Math.abs(value));
      difference = Math.max(difference, Math.abs(value - (other?.[index] ?? Number.NaN)));
    });
  });
  return difference / Math.max(scale, 1e-12);
}

const onBackend = async <T>(name: BackendName, work: () => Promise<T>): Promise<T> => {
  await initializeBackend({ forced: name });
  expect(tf.getBackend()).toBe(name);
  return work();
};

interface Reference {
  readonly gradients: Map<string, Float32Array[]>;
  readonly losses: number[];
}

let reference: Reference;

beforeAll(async () => {
  useSwiftShader();
  reference = await onBackend('cpu', async () => {
    const computed = new Map<string, Float32Array[]>();
    for (const pair of pairs) {
      for (const method of gpuMethods) computed.set(`${pair.label} ${method}`, await gradients(pair, method));
    }
    return { gradients: computed, losses: await lossCurve() };
  });
}, 60_000);

describe('webgpu backend on SwiftShader (forced)', () => {
  it('doctor reports the SwiftShader adapter as a fallback and does not choose it unforced', async () => {
    const previous = process.env['RTK_BACKEND'];
    delete process.env['RTK_BACKEND'];
    try {
      const status = await initializeBackend({ forced: null });
      expect(status.chosenBackend).not.toBe('webgpu');
      const webgpu = status.attempts.find((attempt) => attempt.name === 'webgpu');
      expect(webgpu?.loaded).toBe(false);
      expect(webgpu?.reason).toMatch(/^only a software adapter \(swiftshader\): used only when forced/);
      expect(status.gpuAdapter?.vendor).toBe('google');
      expect(status.gpuAdapter?.isFallback).toBe(true);
      expect(status.gpuAdapter?.maxStorageBufferBindingSize).toBeGreaterThan(0);
      expect(formatEngineStatus(status)).toMatch(
        /WebGPU adapter: google \/ swiftshader \/ .*software \(fallback\)/,
      );
    } finally {
      if (previous !== undefined) process.env['RTK_BACKEND'] = previous;
    }
  }, 60_000);

  it('chooses the software adapter when forced and reports it', async () => {
    const status = await initializeBackend({ forced: 'webgpu' });
    expect(status.chosenBackend).toBe('webgpu');
    expect(
      status.gpuAdapter !== null && status.gpuAdapter !== undefined && isSoftwareAdapter(status.gpuAdapter),
    ).toBe(true);
  }, 60_000);

  it('matches the cpu gradients of every loss on both networks within 1e-4', async () => {
    const errors = await onBackend('webgpu', async () => {
      const found: Record<string, number> = {};
      for (const pair of pairs) {
        for (const method of gpuMethods) {
          const key = `${pair.label} ${method}`;
          const expected = reference.gradients.get(key) ?? [];
          const actual = await gradients(pair, method);
          expect(actual).toHaveLength(expected.length);
          // The loss alone, then every gradient together.
          found[`${key} loss`] = relativeError(expected.slice(0, 1), actual.slice(0, 1));
          found[key] = relativeError(expected.slice(1), actual.slice(1));
        }
      }
      return found;
    });
    expect(Object.keys(errors)).toHaveLength(4 * gpuMethods.length);
    for (const [key, error] of Object.entries(errors)) expect(error, key).toBeLessThanOrEqual(1e-4);
  }, 120_000);

  it('reproduces the cpu loss curve of a 10-step afd run on a fixed batch', async () => {
    const losses = await onBackend('webgpu', lossCurve);
    expect(losses).toHaveLength(10);
    expect(reference.losses[9]).toBeLessThan(reference.losses[0] ?? 0);
    losses.forEach((loss, step) => {
      const expected = reference.losses[step] ?? Number.NaN;
      expect(Math.abs(loss - expected) / Math.abs(expected), `step ${step + 1}`).toBeLessThanOrEqual(1e-4);
    });
  }, 120_000);
});

describe('GPU memory check', () => {
  const sizes = { inputShape: [32, 32, 3] as const, classes: 10 };
  const adapter = {
    vendor: 'test',
    architecture: '',
    device: '',
    description: 'small GPU',
    isFallback: false,
    maxBufferSize: 256 * 1024 ** 2,
    maxStorageBufferBindingSize: 128 * 1024 ** 2,
  };

  it('estimates weights, activations and the largest tensor from the catalog', () => {
    const estimate = estimateTrainingMemory({
      student: 'resnet20',
      teacher: 'resnet56',
      sizes,
      batchSize: 64,
    });
    // ResNet-20 and -56 at 32x32: the largest map is 32x32x16 floats per image (64 KiB).
    expect(estimate.largestTensorBytesPerImage).toBe(32 * 32 * 16 * 4);
    expect(estimate.largestTensorBytes).toBe(64 * 32 * 32 * 16 * 4);
    expect(estimate.totalBytes).toBe(2 * (estimate.weightBytes + estimate.activationBytes));
    const half = estimateTrainingMemory({ student: 'resnet20', teacher: 'resnet56', sizes, batchSize: 32 });
    expect(half.activationBytes * 2).toBe(estimate.activationBytes);
    expect(half.weightBytes).toBe(estimate.weightBytes);
  });

  it('lets a fitting run start and refuses one that does not, offering a batch size that fits', () => {
    const fits = estimateTrainingMemory({ student: 'resnet20', teacher: null, sizes, batchSize: 64 });
    expect(() => checkGpuMemory(fits, 64, adapter)).not.toThrow();
    const tooLarge = estimateTrainingMemory({ student: 'resnet20', teacher: null, sizes, batchSize: 4096 });
    // 128 MiB / 64 KiB per image = 2048 images.
    expect(() => checkGpuMemory(tooLarge, 4096, adapter)).toThrow(
      /at batch size 4096 its largest tensor takes 256 MiB, more than the 128 MiB .* Lower the batch size to 2048 or less\./,
    );
  });
});
