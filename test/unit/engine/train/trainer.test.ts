import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodHyperparameters } from '../../../../src-shared/domain/method-catalog.js';
import { checkpointHeaderFile } from '../../../../src-main/engine/train/checkpoint.js';
import { BatchAssembler } from '../../../../src-main/engine/data/augment.js';
import { evaluate } from '../../../../src-main/engine/train/evaluate.js';
import {
  trainRun,
  type EpochMetrics,
  type TrainConfig,
  type TrainData,
  type TrainModels,
} from '../../../../src-main/engine/train/trainer.js';
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

const data: TrainData = {
  train: syntheticSplit(40, 4, 1),
  test: syntheticSplit(16, 4, 2),
  statistics: { mean: [110], std: [50] },
};

function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    hyperparameters: rtk,
    epochs: 2,
    batchSize: 8,
    learningRate: 0.05,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: { kind: 'step', milestones: [1], gamma: 0.1 },
    warmupEpochs: 0,
    seed: 7,
    augmentation: { randomCrop: true, padding: 2, horizontalFlip: true },
    evaluationBatchSize: 16,
    checkpointDirectory: null,
    resume: false,
    ...overrides,
  };
}

function models(): TrainModels {
  return { student: buildTinyBackbone([8, 8, 1], 4, 1), teacher: buildTinyBackbone([8, 8, 1], 4, 30, 5) };
}

function withoutTiming(history: readonly EpochMetrics[]): unknown[] {
  return history.map(({ seconds: _seconds, imagesPerSecond: _speed, ...rest }) => rest);
}

let directory: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'rtk-trainer-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('trainRun', () => {
  it('runs the teacher in ONNX Runtime on a CPU backend, in TensorFlow.js when asked, and equally well', async () => {
    const engines: string[] = [];
    const run = async (): Promise<readonly EpochMetrics[]> =>
      (
        await trainRun(config({ epochs: 1 }), models(), data, {
          onTeacherReady: (engine) => engines.push(engine),
        })
      ).history;
    const throughOnnx = await run();
    process.env['RTK_TEACHER_ENGINE'] = 'tensorflow';
    let throughTensorflow: readonly EpochMetrics[];
    try {
      throughTensorflow = await run();
    } finally {
      delete process.env['RTK_TEACHER_ENGINE'];
    }
    expect(engines).toEqual([
      expect.stringMatching(/^ONNX Runtime \(CPU, \d+ threads?\)$/),
      'TensorFlow.js (cpu): RTK_TEACHER_ENGINE asks for it',
    ]);
    // The same teacher through either engine: the losses agree to float rounding.
    const [onnxEpoch] = throughOnnx;
    const [tensorflowEpoch] = throughTensorflow;
    expect(onnxEpoch?.train.total).toBeCloseTo(tensorflowEpoch?.train.total ?? Number.NaN, 4);
    expect(onnxEpoch?.train.feature).toBeGreaterThan(0);
  });

  it('gives the identical loss sequence for the same seed and a different one for another seed', async () => {
    const lossesOf = async (seed: number): Promise<number[]> => {
      const losses: number[] = [];
      await trainRun(config({ seed, epochs: 1 }), models(), data, {
        onBatch: (progress) => losses.push(progress.loss.total),
      });
      return losses;
    };
    const first = await lossesOf(7);
    expect(first).toHaveLength(5);
    expect(await lossesOf(7)).toEqual(first);
    expect(await lossesOf(8)).not.toEqual(first);
  });

  it('resumed from a checkpoint gives exactly the metrics of an uninterrupted run', async () => {
    const uninterrupted = await trainRun(config({ epochs: 3 }), models(), data);
    const checkpoints = join(directory, 'resume');
    const controller = new AbortController();
    const first = await trainRun(config({ epochs: 3, checkpointDirectory: checkpoints }), models(), data, {
      signal: controller.signal,
      onEpoch: (metrics) => {
        if (metrics.epoch === 1) controller.abort();
      },
    });
    expect(first.status).toBe('stopped');
    expect(first.completedEpochs).toBe(1);
    expect((await readdir(checkpoints)).sort()).toEqual([checkpointHeaderFile, 'epoch-0001.bin']);
    // Other initial weights than the first run's: everything the resumed run knows comes from the checkpoint.
    const resumedModels = { ...models(), student: buildTinyBackbone([8, 8, 1], 4, 99) };
    const resumed = await trainRun(
      config({ epochs: 3, checkpointDirectory: checkpoints, resume: true }),
      resumedModels,
      data,
    );
    expect(resumed.status).toBe('completed');
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(withoutTiming(resumed.history)).toEqual(withoutTiming(uninterrupted.history));
    expect(await readdir(checkpoints)).toContain('epoch-0003.bin');
    const metrics = await evaluate(resumedModels.student, new BatchAssembler(data.test, data.statistics), 16);
    expect(metrics).toEqual(uninterrupted.history[2]?.test);
  });

  it('paused between two batches, checkpoints them and resumes with the next batch exactly', async () => {
    const uninterrupted = await trainRun(config({ epochs: 2 }), models(), data);
    const checkpoints = join(directory, 'pause-mid-epoch');
    const controller = new AbortController();
    const paused = await trainRun(config({ epochs: 2, checkpointDirectory: checkpoints }), models(), data, {
      signal: controller.signal,
      onBatch: (progress) => {
        if (progress.epoch === 2 && progress.batch === 2) controller.abort();
      },
    });
    expect(paused).toMatchObject({ status: 'stopped', completedEpochs: 1 });
    expect(await readdir(checkpoints)).toContain('epoch-0001-batch-00002.bin');
    const batchesSeen: number[] = [];
    const resumed = await trainRun(
      config({ epochs: 2, checkpointDirectory: checkpoints, resume: true }),
      models(),
      data,
      { onBatch: (progress) => batchesSeen.push(progress.batch) },
    );
    expect(batchesSeen[0]).toBe(3);
    expect(withoutTiming(resumed.history)).toEqual(withoutTiming(uninterrupted.history));
  });

  it('resumes a run without a distillation module (student alone) from its checkpoint', async () => {
    const alone = { hyperparameters: { method: 'none' as const } };
    const uninterrupted = await trainRun(
      config({ ...alone, epochs: 2 }),
      { student: models().student, teacher: null },
      data,
    );
    const checkpoints = join(directory, 'resume-none');
    await trainRun(
      config({ ...alone, epochs: 1, checkpointDirectory: checkpoints }),
      { student: models().student, teacher: null },
      data,
    );
    const resumed = await trainRun(
      config({ ...alone, epochs: 2, checkpointDirectory: checkpoints, resume: true }),
      { student: models().student, teacher: null },
      data,
    );
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(withoutTiming(resumed.history)).toEqual(withoutTiming(uninterrupted.history));
  });

  it('refuses to resume a checkpoint written with other settings', async () => {
    const checkpoints = join(directory, 'mismatch');
    await trainRun(config({ epochs: 1, checkpointDirectory: checkpoints }), models(), data);
    await expect(
      trainRun(
        config({ epochs: 2, checkpointDirectory: checkpoints, resume: true, seed: 99 }),
        models(),
        data,
      ),
    ).rejects.toThrow(/different settings/);
  });

  it('reports per-epoch metrics with RTK selection frequencies and attention weights', async () => {
    const epochs: EpochMetrics[] = [];
    const batches: number[] = [];
    const result = await trainRun(config(), models(), data, {
      onEpoch: (metrics) => {
        epochs.push(metrics);
      },
      onBatch: (progress) => batches.push(progress.batch),
    });
    expect(result.history).toEqual(epochs);
    expect(batches).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
    const [first, second] = epochs;
    expect(first?.learningRate).toBeCloseTo(0.05, 10);
    expect(second?.learningRate).toBeCloseTo(0.005, 10);
    expect(first?.test.perClass).toHaveLength(4);
    expect(first?.test.top5).toBe(1);
    expect(first?.train.total).toBeCloseTo(
      (first?.train.ce ?? 0) + (first?.train.kd ?? 0) + (first?.train.feature ?? 0),
      4,
    );
    // Each of the 3 student taps keeps k = 2 of the 3 teacher taps for every image.
    expect(first?.selection).toHaveLength(3);
    for (const row of first?.selection ?? []) {
      expect(row).toHaveLength(3);
      expect(row.reduce((sum, value) => sum + value, 0)).toBeCloseTo(2, 6);
    }
    for (const row of first?.attention ?? [])
      expect(row.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
  });

  it('reports AFD attention with every teacher column summing to one and no selection', async () => {
    const afd: MethodHyperparameters = { method: 'afd', beta: 20, qkDim: 8, temperature: 4, kdWeight: 0.9 };
    const result = await trainRun(config({ hyperparameters: afd, epochs: 1 }), models(), data);
    const attention = result.history[0]?.attention ?? [];
    expect(result.history[0]?.selection).toBeNull();
    for (let teacher = 0; teacher < 3; teacher += 1) {
      expect(attention.reduce((sum, row) => sum + (row[teacher] ?? 0), 0)).toBeCloseTo(1, 5);
    }
  });

  it('learns a separable task without a teacher', async () => {
    const result = await trainRun(
      config({
        hyperparameters: { method: 'none' },
        epochs: 4,
        schedule: { kind: 'constant' },
        // A flip would move the bright quadrant that defines the class.
        augmentation: { randomCrop: true, padding: 2, horizontalFlip: false },
      }),
      { student: buildTinyBackbone([8, 8, 1], 4, 1), teacher: null },
      data,
    );
    expect(result.history[3]?.test.top1).toBeGreaterThanOrEqual(0.75);
  });

  it('refuses a teacher with another number of classes', async () => {
    await expect(
      trainRun(
        config(),
        { student: buildTinyBackbone([8, 8, 1], 4, 1), teacher: buildTinyBackbone([8, 8, 1], 5, 2) },
        data,
      ),
    ).rejects.toThrow('The teacher has 5 classes but the student has 4.');
  });

  it('stops between batches when the signal is aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const result = await trainRun(config(), models(), data, {
      signal: controller.signal,
      onBatch: (progress) => {
        seen.push(progress.batch);
        if (progress.batch === 3) controller.abort();
      },
    });
    expect(result).toMatchObject({ status: 'stopped', completedEpochs: 0, history: [] });
    expect(seen).toEqual([1, 2, 3]);
  });
});
