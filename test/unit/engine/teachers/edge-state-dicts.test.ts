import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../../../src-main/engine/data/import/import-dataset.js';
import { buildBackbone, runBackbone } from '../../../../src-main/engine/models/index.js';
import { importTeacher } from '../../../../src-main/engine/teachers/import-teacher.js';
import { readPytorchCheckpoint } from '../../../../src-main/engine/teachers/pytorch-checkpoint.js';
import {
  extractStateDict,
  inferArchitecture,
  loadStateDict,
} from '../../../../src-main/engine/teachers/state-dict-mapping.js';
import { writeCifar10 } from '../../../fixtures/datasets/cifar.js';
import { temporaryFolder } from '../../../fixtures/datasets/temp.js';
import { runPythonScript } from '../../../support/python.js';

interface ReferenceArray {
  readonly file: string;
  readonly shape: number[];
}

const folder = temporaryFolder('edge-state-dicts');
const fixtures = join(folder.path, 'fixtures');
let reference: Record<string, ReferenceArray>;

function entry(name: string): ReferenceArray {
  const found = reference[name];
  if (found === undefined) throw new Error(`reference.json has no array ${name}`);
  return found;
}

function readArray(name: string): Float32Array {
  const bytes = readFileSync(join(fixtures, entry(name).file));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

/** The fixture's NCHW images as an NHWC tensor, as our batches are laid out. */
function channelsLastImages(name: string): tf.Tensor4D {
  const [batch = 0, channels = 0, height = 0, width = 0] = entry(name).shape;
  return tf.tidy(() =>
    tf.tensor4d(readArray(name), [batch, channels, height, width]).transpose<tf.Tensor4D>([0, 2, 3, 1]),
  );
}

function maximumDifference(left: ArrayLike<number>, right: ArrayLike<number>): number {
  expect(left.length).toBe(right.length);
  let largest = 0;
  for (let index = 0; index < left.length; index += 1) {
    largest = Math.max(largest, Math.abs((left[index] ?? 0) - (right[index] ?? 0)));
  }
  return largest;
}

async function stateDictOf(file: string) {
  const path = join(fixtures, file);
  return { path, tensors: extractStateDict(await readPytorchCheckpoint(path), path) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  runPythonScript('test/fixtures/python/make-edge-teachers.py', [fixtures]);
  reference = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')) as typeof reference;
}, 300_000);
afterAll(() => folder.remove());

describe('RepDistiller-keyed edge checkpoints', () => {
  it.each([
    ['vgg13.pth', 'vgg13', 'images', 'vgg13', 'block0.0.weight', 'classifier.weight'],
    ['vgg8.pth', 'vgg8', 'images', 'vgg8', 'block0.0.weight', 'classifier.weight'],
    ['vgg8.pth', 'vgg8', 'images64', 'vgg8At64', 'block0.0.weight', 'classifier.weight'],
    [
      'mobilenetv2-0.5.pth',
      'mobilenetv2-0.5',
      'images',
      'mobilenetv2-0.5',
      'conv1.0.weight',
      'classifier.0.weight',
    ],
    ['shufflenetv2.pth', 'shufflenetv2', 'images', 'shufflenetv2', 'conv1.weight', 'linear.weight'],
  ])(
    '%s loads into our %s and gives PyTorch’s logits on %s',
    async (file, backboneName, imagesName, logitsName, stemKey, classifierKey) => {
      const { path, tensors } = await stateDictOf(file);
      expect(inferArchitecture(tensors, path)).toEqual({
        backbone: backboneName,
        classes: 10,
        inputChannels: 3,
        stemKey,
        classifierKey,
      });
      const [, , size = 0] = entry(imagesName).shape;
      const backbone = buildBackbone(backboneName, { inputShape: [size, size, 3], classes: 10, seed: 5 });
      try {
        loadStateDict(backbone, tensors, path);
        const images = channelsLastImages(imagesName);
        const logits = tf.tidy(() => runBackbone(backbone, images, false).logits.dataSync());
        images.dispose();
        expect(maximumDifference(logits, readArray(logitsName))).toBeLessThanOrEqual(1e-4);
      } finally {
        backbone.model.dispose();
      }
    },
    120_000,
  );

  it.each([
    ['vgg16.pth', /is a VGG with \[2, 2, 3, 3, 3\] convolutions in its blocks.*vgg13 \[2, 2, 2, 2, 2\]/],
    ['vgg8-plain.pth', /is a VGG without BatchNorm \('block0\.1' holds no running statistics\)/],
    ['shufflenetv2-0.5.pth', /is a ShuffleNetV2 with a stem of 24 channels, stages 48, 96, 192 wide/],
    ['mobilenetv2-0.5-t4.pth', /is a MobileNetV2 whose blocks expand their channels 4 times/],
  ])('refuses %s, saying what differs from the catalog', async (file, message) => {
    const { path, tensors } = await stateDictOf(file);
    expect(() => inferArchitecture(tensors, path)).toThrow(message);
  });

  it.each([
    ['vgg8-extra.pth', /does not fit a vgg8 for 10 classes: keys left over projector\.weight\./],
    [
      'vgg8-narrow.pth',
      /does not fit a vgg8 for 10 classes: keys of another shape: block0\.0\.weight is \[8, 3, 3, 3\], expected \[64, 3, 3, 3\], block0\.0\.bias is \[8\], expected \[64\]/,
    ],
  ])('refuses %s, naming the keys', async (file, message) => {
    const { path, tensors } = await stateDictOf(file);
    expect(inferArchitecture(tensors, path).backbone).toBe('vgg8');
    const backbone = buildBackbone('vgg8', { inputShape: [32, 32, 3], classes: 10, seed: 5 });
    try {
      expect(() => loadStateDict(backbone, tensors, path)).toThrow(message);
    } finally {
      backbone.model.dispose();
    }
  });

  it('imports a RepDistiller vgg13 through the real import path as the catalog vgg13', async () => {
    const cifar = writeCifar10(join(folder.path, 'sources'), { perBatch: 10, batches: 1, testCount: 10 });
    const dataset = await importDataset({ source: cifar.folder, target: join(folder.path, 'cifar') });
    const record = await importTeacher({
      id: 'teacher-vgg13',
      source: join(fixtures, 'vgg13.pth'),
      target: join(folder.path, 'teachers', 'vgg13'),
      datasetId: 'dataset-1',
      datasetDirectory: dataset.directory,
      contract: { preset: 'cifar100' },
      threads: 1,
      architecture: 'vgg13',
    });
    expect(record).toMatchObject({ format: 'pytorch', backbone: 'vgg13', classes: 10, testImages: 10 });
    expect(record.taps).toHaveLength(10);
  }, 300_000);
});
