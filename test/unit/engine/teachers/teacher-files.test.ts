import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../../../src-main/engine/data/import/import-dataset.js';
import { buildBackbone, runBackbone } from '../../../../src-main/engine/models/index.js';
import { ImportedOnnxTeacher } from '../../../../src-main/engine/teachers/imported-onnx-teacher.js';
import { importTeacher } from '../../../../src-main/engine/teachers/import-teacher.js';
import { TeacherInputPreparer } from '../../../../src-main/engine/teachers/input-contract.js';
import { analyseOnnxTeacher } from '../../../../src-main/engine/teachers/onnx-teacher-graph.js';
import { readPytorchCheckpoint } from '../../../../src-main/engine/teachers/pytorch-checkpoint.js';
import { readSafetensors } from '../../../../src-main/engine/teachers/safetensors.js';
import {
  extractStateDict,
  inferArchitecture,
  loadStateDict,
} from '../../../../src-main/engine/teachers/state-dict-mapping.js';
import { readTeacherFolder } from '../../../../src-main/engine/teachers/teacher-folder.js';
import { writeCifar10, writeCifar100 } from '../../../fixtures/datasets/cifar.js';
import { writeIdx } from '../../../fixtures/datasets/idx.js';
import { listAll, temporaryFolder } from '../../../fixtures/datasets/temp.js';
import { runPythonScript } from '../../../support/python.js';

interface ReferenceArray {
  readonly file: string;
  readonly shape: number[];
}

const folder = temporaryFolder('teacher-files');
const fixtures = join(folder.path, 'fixtures');
let reference: Record<string, ReferenceArray | ReferenceArray[]>;
let cifarDirectory = '';

function readArray(entry: ReferenceArray): Float32Array {
  const bytes = readFileSync(join(fixtures, entry.file));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
}

function single(name: string): ReferenceArray {
  const entry = reference[name];
  if (entry === undefined || Array.isArray(entry)) throw new Error(`reference.json has no array ${name}`);
  return entry;
}

function list(name: string): ReferenceArray[] {
  const entry = reference[name];
  if (!Array.isArray(entry)) throw new Error(`reference.json has no list ${name}`);
  return entry;
}

/** NCHW → NHWC, as our batches are laid out. */
function toChannelsLast(values: Float32Array, [batch, channels, height, width]: number[]): Float32Array {
  const result = new Float32Array(values.length);
  const b = batch ?? 0;
  const c = channels ?? 0;
  const h = height ?? 0;
  const w = width ?? 0;
  for (let n = 0; n < b; n += 1)
    for (let k = 0; k < c; k += 1)
      for (let y = 0; y < h; y += 1)
        for (let x = 0; x < w; x += 1)
          result[((n * h + y) * w + x) * c + k] = values[((n * c + k) * h + y) * w + x] ?? 0;
  return result;
}

function maximumDifference(left: ArrayLike<number>, right: ArrayLike<number>): number {
  expect(left.length).toBe(right.length);
  let largest = 0;
  for (let index = 0; index < left.length; index += 1) {
    largest = Math.max(largest, Math.abs((left[index] ?? 0) - (right[index] ?? 0)));
  }
  return largest;
}

/** A preparer that hands the images through unchanged: dataset statistics 0/1 and a 0–255, 0/1 contract. */
function passThrough(layout: 'NCHW' | 'NHWC'): TeacherInputPreparer {
  return new TeacherInputPreparer(
    [32, 32, 3],
    { mean: [0, 0, 0], std: [1, 1, 1] },
    { preset: 'none', scale: 255, mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'RGB' },
    layout,
    3,
  );
}

async function onnxTeacher(file: string, need: 'logits' | 'taps', preparer = passThrough('NCHW')) {
  const { facts, bytes } = await analyseOnnxTeacher(readFileSync(join(fixtures, file)), file, [32, 32, 3], 1);
  const teacher = await ImportedOnnxTeacher.create(
    {
      name: file,
      bytes,
      inputName: facts.inputName,
      logitsName: facts.logitsName,
      layout: facts.layout,
      height: 32,
      width: 32,
      fixedBatch: facts.fixedBatch,
      classes: facts.classes,
      classOrder: Array.from({ length: facts.classes }, (_, index) => index),
      taps: facts.taps,
    },
    preparer,
    need,
    1,
  );
  return { facts, teacher };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  runPythonScript('test/fixtures/python/make-teachers.py', [fixtures]);
  reference = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')) as typeof reference;
  const cifar = writeCifar10(join(folder.path, 'sources'), { perBatch: 20, batches: 1, testCount: 30 });
  cifarDirectory = (await importDataset({ source: cifar.folder, target: join(folder.path, 'cifar') }))
    .directory;
}, 300_000);
afterAll(() => folder.remove());

describe('ONNX teachers', () => {
  it.each([
    ['resnet8.onnx', 'resnet8'],
    ['resnet18.onnx', 'resnet18'],
    ['plain.onnx', 'plain'],
  ])('%s gives PyTorch’s logits on fixed images', async (file, key) => {
    const images = single('images');
    const { teacher } = await onnxTeacher(file, 'logits');
    try {
      const logits = await teacher.logits(toChannelsLast(readArray(images), images.shape), 4);
      expect(maximumDifference(logits, readArray(single(key)))).toBeLessThanOrEqual(1e-4);
    } finally {
      await teacher.dispose();
    }
  });

  it('finds resnet18’s eight residual-block outputs, in four stages, equal to PyTorch’s', async () => {
    const images = single('images');
    const { facts, teacher } = await onnxTeacher('resnet18.onnx', 'taps');
    try {
      expect(facts.taps.map((tap) => [tap.shape, tap.stage, tap.layout])).toEqual([
        [[8, 8, 64], 0, 'NCHW'],
        [[8, 8, 64], 0, 'NCHW'],
        [[4, 4, 128], 1, 'NCHW'],
        [[4, 4, 128], 1, 'NCHW'],
        [[2, 2, 256], 2, 'NCHW'],
        [[2, 2, 256], 2, 'NCHW'],
        [[1, 1, 512], 3, 'NCHW'],
        [[1, 1, 512], 3, 'NCHW'],
      ]);
      const batch = await teacher.run(toChannelsLast(readArray(images), images.shape), 4);
      try {
        const blocks = list('resnet18Blocks');
        expect(batch.taps).toHaveLength(blocks.length);
        blocks.forEach((block, index) => {
          const tap = batch.taps[index];
          expect(tap?.shape).toEqual([4, block.shape[2], block.shape[3], block.shape[1]]);
          const expected = toChannelsLast(readArray(block), block.shape);
          expect(maximumDifference(tap?.dataSync() ?? [], expected)).toBeLessThanOrEqual(1e-4);
        });
      } finally {
        tf.dispose([batch.logits, ...batch.taps]);
      }
    } finally {
      await teacher.dispose();
    }
  });

  it('taps a plain network at the last activation before each downsampling', async () => {
    const images = single('images');
    const { facts, teacher } = await onnxTeacher('plain.onnx', 'taps');
    try {
      expect(facts.opset).toBe(9);
      expect(facts.taps.map((tap) => [tap.shape, tap.stage])).toEqual([
        [[32, 32, 16], 0],
        [[16, 16, 32], 1],
        [[8, 8, 64], 2],
      ]);
      const batch = await teacher.run(toChannelsLast(readArray(images), images.shape), 4);
      try {
        list('plainStages').forEach((stage, index) => {
          const expected = toChannelsLast(readArray(stage), stage.shape);
          expect(maximumDifference(batch.taps[index]?.dataSync() ?? [], expected)).toBeLessThanOrEqual(1e-4);
        });
      } finally {
        tf.dispose([batch.logits, ...batch.taps]);
      }
    } finally {
      await teacher.dispose();
    }
  });

  it('computes the tap summaries in the graph as channel means and row-major energy maps', async () => {
    const images = single('images');
    const { facts, bytes } = await analyseOnnxTeacher(
      readFileSync(join(fixtures, 'resnet18.onnx')),
      'resnet18.onnx',
      [32, 32, 3],
      1,
    );
    const graph = {
      name: 'resnet18',
      bytes,
      inputName: facts.inputName,
      logitsName: facts.logitsName,
      layout: facts.layout,
      height: 32,
      width: 32,
      fixedBatch: null,
      classes: 10,
      classOrder: Array.from({ length: 10 }, (_, index) => index),
      taps: facts.taps,
    };
    const summaries = await ImportedOnnxTeacher.create(graph, passThrough('NCHW'), 'summaries', 1);
    try {
      const batch = await summaries.run(toChannelsLast(readArray(images), images.shape), 4);
      try {
        const block = list('resnet18Blocks')[2];
        if (block === undefined) throw new Error('no third block');
        const nhwc = toChannelsLast(readArray(block), block.shape);
        const [, channels = 0, height = 0, width = 0] = block.shape;
        const means: number[] = [];
        const energy: number[] = [];
        for (let image = 0; image < 4; image += 1) {
          for (let channel = 0; channel < channels; channel += 1) {
            let sum = 0;
            for (let pixel = 0; pixel < height * width; pixel += 1) {
              sum += nhwc[(image * height * width + pixel) * channels + channel] ?? 0;
            }
            means.push(sum / (height * width));
          }
          for (let pixel = 0; pixel < height * width; pixel += 1) {
            let sum = 0;
            for (let channel = 0; channel < channels; channel += 1) {
              sum += (nhwc[(image * height * width + pixel) * channels + channel] ?? 0) ** 2;
            }
            energy.push(sum / channels);
          }
        }
        expect(maximumDifference(batch.channelMeans[2]?.dataSync() ?? [], means)).toBeLessThanOrEqual(1e-4);
        expect(maximumDifference(batch.energyMaps[2]?.dataSync() ?? [], energy)).toBeLessThanOrEqual(1e-4);
      } finally {
        tf.dispose([batch.logits, ...batch.channelMeans, ...batch.energyMaps]);
      }
    } finally {
      await summaries.dispose();
    }
  });

  it('applies the input contract: dataset normalisation undone, CIFAR-100 mean and std applied', async () => {
    const pixels = readFileSync(join(fixtures, 'pixels.u8'));
    const statistics = { mean: [120, 110, 100], std: [60, 50, 70] };
    const normalised = Float32Array.from(
      pixels,
      (value, index) => (value - (statistics.mean[index % 3] ?? 0)) / (statistics.std[index % 3] ?? 1),
    );
    const preparer = new TeacherInputPreparer(
      [32, 32, 3],
      statistics,
      {
        preset: 'cifar100',
        scale: 1,
        mean: [0.5071, 0.4867, 0.4408],
        std: [0.2675, 0.2565, 0.2761],
        channelOrder: 'RGB',
      },
      'NCHW',
      3,
    );
    const { teacher } = await onnxTeacher('resnet8.onnx', 'logits', preparer);
    try {
      const logits = await teacher.logits(normalised, 4);
      expect(maximumDifference(logits, readArray(single('resnet8Pixels')))).toBeLessThanOrEqual(1e-4);
    } finally {
      await teacher.dispose();
    }
  });
});

describe('PyTorch and safetensors checkpoints', () => {
  it.each([
    ['resnet8.pth', 'resnet8', 'resnet8'],
    ['resnet8-wrapped.pth', 'resnet8', 'resnet8'],
    ['resnet8-module.pth', 'resnet8', 'resnet8'],
    ['resnet8.safetensors', 'resnet8', 'resnet8'],
    ['wrn-16-2.pth', 'wrn-16-2', 'wrn-16-2'],
  ])('%s loads into our %s and gives PyTorch’s logits', async (file, backboneName, key) => {
    const path = join(fixtures, file);
    const root = file.endsWith('.safetensors')
      ? await readSafetensors(path)
      : await readPytorchCheckpoint(path);
    const tensors = extractStateDict(root, path);
    const inferred = inferArchitecture(tensors, path);
    expect(inferred).toEqual({
      backbone: backboneName,
      classes: 10,
      inputChannels: 3,
      stemKey: 'conv1.weight',
      classifierKey: 'fc.weight',
    });
    const backbone = buildBackbone(inferred.backbone, { inputShape: [32, 32, 3], classes: 10, seed: 5 });
    try {
      loadStateDict(backbone, tensors, path);
      const images = single('images');
      const logits = tf.tidy(() =>
        runBackbone(
          backbone,
          tf.tensor4d(toChannelsLast(readArray(images), images.shape), [4, 32, 32, 3]),
          false,
        ).logits.dataSync(),
      );
      expect(maximumDifference(logits, readArray(single(key)))).toBeLessThanOrEqual(1e-4);
    } finally {
      backbone.model.dispose();
    }
  });

  it('refuses a state_dict of the same depth but other widths, naming the keys', async () => {
    const path = join(fixtures, 'resnet8-wide.pth');
    const tensors = extractStateDict(await readPytorchCheckpoint(path), path);
    const backbone = buildBackbone('resnet8', { inputShape: [32, 32, 3], classes: 10, seed: 5 });
    try {
      expect(() => loadStateDict(backbone, tensors, path)).toThrow(
        /does not fit a resnet8 for 10 classes: keys left over layer1\.0\.downsample\.0\.weight.*layer1\.0\.conv1\.weight is \[32, 16, 3, 3\], expected \[16, 16, 3, 3\]/,
      );
    } finally {
      backbone.model.dispose();
    }
  });

  it('refuses a pickle that asks for os.system without running it', async () => {
    await expect(readPytorchCheckpoint(join(fixtures, 'evil.pth'))).rejects.toThrow(
      /asks for posix\.system, which is not a tensor or a plain container; it is refused/,
    );
  });

  it('refuses a file larger than the memory it needs', async () => {
    await expect(readPytorchCheckpoint(join(fixtures, 'resnet8.pth'), 1000)).rejects.toThrow(
      /reading it needs about .* of memory, but only 0\.0 GiB is free/,
    );
  });
});

describe('importTeacher', () => {
  const importInto = (file: string, overrides: Partial<Parameters<typeof importTeacher>[0]> = {}) => {
    const target = join(folder.path, 'teachers', `${file}-${Math.random().toString(36).slice(2)}`);
    return {
      target,
      result: importTeacher({
        id: 'teacher-1',
        source: join(fixtures, file),
        target,
        datasetId: 'dataset-1',
        datasetDirectory: cifarDirectory,
        contract: { preset: 'cifar100' },
        threads: 1,
        ...overrides,
      }),
    };
  };

  it('imports an ONNX teacher: record, taps, accuracy on every test image, and its folder', async () => {
    const { target, result } = importInto('resnet18.onnx', { name: 'My resnet18' });
    const record = await result;
    expect(record).toMatchObject({
      name: 'My resnet18',
      format: 'onnx',
      backbone: null,
      classes: 10,
      layout: 'NCHW',
      inputShape: [3, 32, 32],
      batchSize: null,
      opset: 17,
      testImages: 30,
      classMatching: 'index',
      contract: { preset: 'cifar100', scale: 1, channelOrder: 'RGB' },
    });
    expect(record.taps.map((tap) => tap.shape)).toEqual([
      [8, 8, 64],
      [8, 8, 64],
      [4, 4, 128],
      [4, 4, 128],
      [2, 2, 256],
      [2, 2, 256],
      [1, 1, 512],
      [1, 1, 512],
    ]);
    expect(record.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(record.perClassTop1).toHaveLength(10);
    expect(record.testTop5).toBeGreaterThanOrEqual(record.testTop1);
    const stored = readTeacherFolder(target);
    expect(stored.record).toEqual(record);
    expect(listAll(target)).toEqual(['teacher.json', 'teacher.onnx']);
  });

  it('imports a checkpoint into the catalog backbone with the catalog’s taps', async () => {
    const { target, result } = importInto('wrn-16-2.pth');
    const record = await result;
    expect(record).toMatchObject({
      format: 'pytorch',
      backbone: 'wrn-16-2',
      layout: 'NHWC',
      inputShape: [32, 32, 3],
    });
    expect(record.taps.map((tap) => [tap.name, tap.stage])).toEqual([
      ['stage1_block1', 0],
      ['stage1_block2', 0],
      ['stage2_block1', 1],
      ['stage2_block2', 1],
      ['stage3_block1', 2],
      ['stage3_block2', 2],
    ]);
    expect(listAll(target)).toEqual(['model', 'teacher.json']);
  });

  it('matches classes by the names of a labels file', async () => {
    const labels = join(folder.path, 'labels.txt');
    const names = ['truck', 'ship', 'horse', 'frog', 'dog', 'deer', 'cat', 'bird', 'automobile', 'airplane'];
    writeFileSync(labels, `${names.join('\n')}\n`);
    const record = await importInto('resnet8.onnx', { labelsPath: labels }).result;
    expect(record.classMatching).toBe('names');
    expect(record.classOrder).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    writeFileSync(labels, 'cat\ndog\n');
    await expect(importInto('resnet8.onnx', { labelsPath: labels }).result).rejects.toThrow(
      /names 2 classes but the teacher predicts 10/,
    );
  });

  it.each([
    ['notes.txt', /notes\.txt is not an ONNX model, a PyTorch checkpoint \(zip\) or a safetensors file/],
    ['truncated.pth', /truncated\.pth is not a readable zip archive.*truncated/],
    ['two-inputs.onnx', /two-inputs\.onnx has 2 inputs \(a, b\); a teacher must take exactly one input/],
    [
      'int-input.onnx',
      /int-input\.onnx: input "images" holds int64 values; a teacher must take float32 images/,
    ],
    [
      'feature-map.onnx',
      /the output "scores" has shape \[2, 10, 32, 32\] for 2 images; a teacher must give one vector/,
    ],
    ['evil.pth', /asks for posix\.system/],
    ['resnet8-wide.pth', /does not fit a resnet8 for 10 classes: keys left over/],
  ])('refuses %s by name and leaves nothing behind', async (file, message) => {
    const { target, result } = importInto(file);
    await expect(result).rejects.toThrow(message);
    expect(existsSync(target)).toBe(false);
    expect(
      existsSync(join(folder.path, 'teachers'))
        ? listAll(join(folder.path, 'teachers')).filter((name) => name.startsWith('.'))
        : [],
    ).toEqual([]);
  });

  it('refuses a checkpoint of another architecture than the one asked for', async () => {
    await expect(importInto('wrn-16-2.pth', { architecture: 'resnet8' }).result).rejects.toThrow(
      /was expected to be a resnet8, but its keys and shapes are those of a wrn-16-2/,
    );
  });

  it('refuses a class-count mismatch and a shape the images cannot feed, with both figures', async () => {
    const cifar100 = writeCifar100(join(folder.path, 'sources-100'), { trainCount: 40, testCount: 20 });
    const coarse = await importDataset({
      source: cifar100.folder,
      target: join(folder.path, 'cifar100'),
      cifar100Labels: 'coarse',
    });
    await expect(importInto('resnet8.onnx', { datasetDirectory: coarse.directory }).result).rejects.toThrow(
      /predicts 10 classes but the dataset has 20/,
    );
    const digits = writeIdx(join(folder.path, 'sources-idx'), { trainCount: 20, testCount: 10 });
    const grey = await importDataset({ source: digits.folder, target: join(folder.path, 'idx') });
    await expect(importInto('resnet8.onnx', { datasetDirectory: grey.directory }).result).rejects.toThrow(
      /has shape \[batch, 3, 32, 32\], which the dataset's 28x28 images with 1 channel cannot feed/,
    );
  });
});
