import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodHyperparameters } from '../../../src-shared/domain/method-catalog.js';
import { resolveHyperparameters } from '../../../src-shared/domain/method-catalog.js';
import { initializeBackend } from '../../../src-main/engine/backends/backend-ladder.js';
import { loadCachedSplit, readManifest } from '../../../src-main/engine/data/cache.js';
import { importDataset } from '../../../src-main/engine/data/import/import-dataset.js';
import { buildBackbone } from '../../../src-main/engine/models/index.js';
import { importTeacher } from '../../../src-main/engine/teachers/import-teacher.js';
import { openImportedTeacher } from '../../../src-main/engine/teachers/teacher-folder.js';
import { trainRun } from '../../../src-main/engine/train/trainer.js';
import { writeCifar10 } from '../../fixtures/datasets/cifar.js';
import { temporaryFolder } from '../../fixtures/datasets/temp.js';
import { runPythonScript } from '../../support/python.js';

const folder = temporaryFolder('imported-teacher-training');
let datasetDirectory = '';
let teacherDirectory = '';

beforeAll(async () => {
  await initializeBackend({ forced: 'wasm' });
  const fixtures = join(folder.path, 'fixtures');
  runPythonScript('test/fixtures/python/make-teachers.py', [fixtures]);
  const cifar = writeCifar10(join(folder.path, 'sources'), { perBatch: 48, batches: 1, testCount: 16 });
  datasetDirectory = (await importDataset({ source: cifar.folder, target: join(folder.path, 'cifar') }))
    .directory;
  teacherDirectory = join(folder.path, 'teacher');
  await importTeacher({
    id: 'resnet18',
    source: join(fixtures, 'resnet18.onnx'),
    target: teacherDirectory,
    datasetId: 'cifar',
    datasetDirectory,
    contract: { preset: 'imagenet' },
    threads: 2,
  });
});
afterAll(() => folder.remove());

describe('distilling from an ONNX teacher outside the catalog (torchvision resnet18)', () => {
  it.each(['rtk', 'afd', 'at'] as const)('%s trains a resnet8 student for one epoch', async (method) => {
    const manifest = readManifest(datasetDirectory);
    const teacher = await openImportedTeacher(teacherDirectory, manifest.shape, manifest.statistics, null);
    const student = buildBackbone('resnet8', { inputShape: manifest.shape, classes: 10, seed: 1 });
    try {
      expect(teacher.taps).toHaveLength(8);
      const hyperparameters: MethodHyperparameters = resolveHyperparameters(
        method,
        method === 'at' ? {} : { qkDim: 16 },
        { teacher: teacher.taps.length, student: student.taps.length },
      );
      const engines: string[] = [];
      const features: number[] = [];
      const result = await trainRun(
        {
          hyperparameters,
          epochs: 1,
          batchSize: 16,
          learningRate: 0.05,
          momentum: 0.9,
          weightDecay: 5e-4,
          schedule: { kind: 'constant' },
          warmupEpochs: 0,
          seed: 1,
          augmentation: { randomCrop: true, padding: 4, horizontalFlip: true },
          evaluationBatchSize: 16,
          checkpointDirectory: null,
          resume: false,
        },
        { student, teacher },
        {
          train: loadCachedSplit(datasetDirectory, 'train'),
          test: loadCachedSplit(datasetDirectory, 'test'),
          statistics: manifest.statistics,
        },
        {
          onTeacherReady: (engine) => engines.push(engine),
          onBatch: (progress) => features.push(progress.loss.feature),
        },
      );
      expect(result.status).toBe('completed');
      expect(result.history).toHaveLength(1);
      expect(engines[0]).toMatch(/^ONNX Runtime \(CPU/);
      expect(features).toHaveLength(3);
      // The feature term is the teacher's: positive and finite on every batch.
      expect(features.every((value) => Number.isFinite(value) && value > 0)).toBe(true);
      const metrics = result.history[0];
      if (method === 'rtk') expect(metrics?.selection?.[0]).toHaveLength(8);
      if (method === 'afd') expect(metrics?.attention).toHaveLength(student.taps.length);
    } finally {
      student.model.dispose();
      teacher.dispose();
    }
  });
});
