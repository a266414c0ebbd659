import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MethodHyperparameters } from '../../../../src-shared/domain/method-catalog.js';
import { initializeBackend } from '../../../../src-main/engine/backends/backend-ladder.js';
import { trainRun, type TrainConfig } from '../../../../src-main/engine/train/trainer.js';
import { syntheticSplit } from './synthetic-data.js';
import { buildTinyBackbone } from './tiny-backbone.js';

const rtk: MethodHyperparameters = {
  method: 'rtk',
  beta: 20,
  qkDim: 8,
  temperature: 4,
  kdWeight: 0.9,
  rtkSelection: 'topk',
  rtkK: 2,
  rtkTau: 1 / 3,
  rtkDistance: 'normalized',
};

const config: TrainConfig = {
  hyperparameters: rtk,
  epochs: 2,
  batchSize: 8,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: { kind: 'cosine', minimum: 0 },
  warmupEpochs: 1,
  seed: 3,
  augmentation: { randomCrop: true, padding: 2, horizontalFlip: true },
  evaluationBatchSize: 16,
  checkpointDirectory: null,
  resume: false,
};

beforeAll(async () => {
  await initializeBackend({ forced: 'wasm' });
});

describe('trainRun on wasm', () => {
  it('gives the identical loss sequence and metrics for the same seed', async () => {
    const data = {
      train: syntheticSplit(32, 4, 1, 3),
      test: syntheticSplit(8, 4, 2, 3),
      statistics: { mean: [110, 110, 110], std: [50, 50, 50] },
    };
    const run = async (): Promise<{ losses: number[]; testLosses: number[] }> => {
      const losses: number[] = [];
      const result = await trainRun(
        config,
        { student: buildTinyBackbone([8, 8, 3], 4, 1), teacher: buildTinyBackbone([8, 8, 3], 4, 30, 5) },
        data,
        { onBatch: (progress) => losses.push(progress.loss.total, progress.loss.feature) },
      );
      return { losses, testLosses: result.history.map((metrics) => metrics.test.loss) };
    };
    expect(tf.getBackend()).toBe('wasm');
    const first = await run();
    expect(first.losses).toHaveLength(16);
    expect(first.losses.every(Number.isFinite)).toBe(true);
    expect(await run()).toEqual(first);
  });
});
