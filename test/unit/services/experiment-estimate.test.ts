import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../../src-shared/contracts/run-types.js';
import { experimentSpecSchema } from '../../../src-shared/domain/experiment-spec.js';
import {
  estimateExperiment,
  fallbackTrainingMacsPerSecond,
} from '../../../src-main/services/experiment-estimate.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { fixtureManifest, fixtureSpec } from '../../support/stored-fixtures.js';

function storeWithDataset() {
  const store = openWorkbenchStore(mkdtempSync(join(tmpdir(), 'rtk-estimate-')));
  store.datasets.insert({
    id: 'd1',
    name: 'tiny',
    format: 'cifar10',
    fingerprint: 'f1',
    imageHeight: 32,
    imageWidth: 32,
    channels: 3,
    classCount: 10,
    trainCount: 1_000,
    testCount: 300,
    cachePath: '/cache',
    manifest: fixtureManifest(),
  });
  return store;
}

const spec = experimentSpecSchema.parse({
  name: 'estimate',
  datasetId: 'd1',
  teacher: { source: 'train', backbone: 'resnet20', epochs: 2 },
  student: { backbone: 'resnet8' },
  methods: ['rtk', 'kd'],
  schedule: { epochs: 3 },
  seeds: [1, 2],
  subset: { trainImages: 600, testImages: 150 },
});

function epochAt(imagesPerSecond: number): EpochRecord {
  return {
    epoch: 1,
    learningRate: 0.05,
    trainLoss: 1,
    trainCe: 1,
    trainKd: 0,
    trainFeature: 0,
    trainTop1: 0.5,
    testLoss: 1,
    testTop1: 0.5,
    testTop5: 0.9,
    seconds: 1,
    imagesPerSecond,
    perClass: [],
    attention: null,
    selection: null,
  };
}

describe('the experiment estimate', () => {
  it('counts the teacher and methods × seeds, and uses the fixed speed before anything was measured', () => {
    const store = storeWithDataset();
    const estimate = estimateExperiment(store, spec);
    expect(estimate.runCount).toBe(1 + 3 * 2);
    expect(estimate.measured).toBe(false);
    // Counted by hand for 32×32×3 images and 10 classes (3×3 convolutions, the 1×1 projections of the
    // stride-2 blocks, the classifier): ResNet-20 40,813,184 multiply-adds per image, ResNet-8 12,501,632.
    // Training an image costs 3 passes, testing 1: 600 + 150 / 3 = 650 training-image equivalents an epoch.
    // (650 × 2 epochs × 3 × 40,813,184 + 6 runs × 650 × 3 epochs × 3 × 12,501,632) / 1.5e9 MAC/s = 398.65 s.
    expect(fallbackTrainingMacsPerSecond).toBe(1.5e9);
    expect(estimate.seconds).toBe(399);
  });

  it('uses the median speed this machine measured for each backbone', () => {
    const store = storeWithDataset();
    store.experiments.insert({ id: 'e1', name: 'old', datasetId: 'd1', spec: fixtureSpec() });
    store.runs.createMany([
      {
        id: 't',
        experimentId: 'e1',
        role: 'teacher',
        method: 'none',
        backbone: 'resnet20',
        seed: 1,
        teacherRunId: null,
        configJson: '{}',
        epochsTotal: 3,
      },
      {
        id: 's',
        experimentId: 'e1',
        role: 'student',
        method: 'none',
        backbone: 'resnet8',
        seed: 1,
        teacherRunId: null,
        configJson: '{}',
        epochsTotal: 3,
      },
    ]);
    for (const [run, speeds] of [
      ['t', [100, 50, 300]],
      ['s', [400, 600]],
    ] as const) {
      speeds.forEach((speed, index) =>
        store.runs.recordEpoch(run, { ...epochAt(speed), epoch: index + 1 }, null),
      );
    }
    const estimate = estimateExperiment(store, spec);
    expect(estimate.measured).toBe(true);
    expect(estimate.seconds).toBe(Math.round((650 * 2) / 100 + (6 * 650 * 3) / 500));
  });

  it('refuses a dataset that is not in the store', () => {
    expect(() => estimateExperiment(storeWithDataset(), { ...spec, datasetId: 'gone' })).toThrow(
      'There is no dataset gone.',
    );
  });
});
