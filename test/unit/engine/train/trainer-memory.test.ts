import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainRun } from '../../../../src-main/engine/train/trainer.js';
import { syntheticSplit } from './synthetic-data.js';
import { buildTinyBackbone } from './tiny-backbone.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('trainRun memory', () => {
  it('holds the same number of tensors after step 10 and step 200', async () => {
    const counts = new Map<number, number>();
    let step = 0;
    await trainRun(
      {
        hyperparameters: {
          method: 'rtk',
          beta: 20,
          qkDim: 8,
          temperature: 4,
          kdWeight: 0.9,
          rtkSelection: 'topk',
          rtkK: 2,
          rtkTau: 1 / 3,
          rtkDistance: 'normalized',
        },
        epochs: 10,
        batchSize: 2,
        learningRate: 0.05,
        momentum: 0.9,
        weightDecay: 5e-4,
        schedule: { kind: 'constant' },
        warmupEpochs: 0,
        seed: 7,
        augmentation: { randomCrop: true, padding: 2, horizontalFlip: true },
        evaluationBatchSize: 16,
        checkpointDirectory: null,
        resume: false,
      },
      { student: buildTinyBackbone([8, 8, 1], 4, 1), teacher: buildTinyBackbone([8, 8, 1], 4, 30, 5) },
      {
        train: syntheticSplit(40, 4, 1),
        test: syntheticSplit(16, 4, 2),
        statistics: { mean: [110], std: [50] },
      },
      {
        onBatch: () => {
          step += 1;
          if (step === 10 || step === 200) counts.set(step, tf.memory().numTensors);
        },
      },
    );
    expect(counts.size).toBe(2);
    expect(counts.get(200)).toBe(counts.get(10));
  });
});
