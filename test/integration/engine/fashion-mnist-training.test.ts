import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '../../../src-main/engine/backends/backend-ladder.js';
import type { ChannelStatistics, ImageSplit } from '../../../src-main/engine/data/types.js';
import { buildBackbone } from '../../../src-main/engine/models/index.js';
import { trainRun, type EpochMetrics } from '../../../src-main/engine/train/trainer.js';

const directory = '/usr/share/datasets/fashion-mnist';
const classNames = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Minimal IDX reader for the test (the product has its own): the first `limit` items of a gzipped file. */
function readIdx(
  file: string,
  magic: number,
  limit: number,
): { data: Uint8Array; count: number; dimensions: number[] } {
  const bytes = gunzipSync(readFileSync(join(directory, file)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== magic) throw new Error(`${file}: magic ${view.getUint32(0)}, expected ${magic}`);
  const rank = magic & 0xff;
  const dimensions = Array.from({ length: rank }, (_, index) => view.getUint32(4 + 4 * index));
  const count = Math.min(limit, dimensions[0] ?? 0);
  const itemSize = dimensions.slice(1).reduce((product, dimension) => product * dimension, 1);
  const offset = 4 + 4 * rank;
  return { data: bytes.subarray(offset, offset + count * itemSize), count, dimensions };
}

function readSplit(prefix: string, limit: number): ImageSplit {
  const images = readIdx(`${prefix}-images-idx3-ubyte.gz`, 0x803, limit);
  const labels = readIdx(`${prefix}-labels-idx1-ubyte.gz`, 0x801, limit);
  return {
    images: new Uint8Array(images.data),
    labels: Uint16Array.from(labels.data),
    count: images.count,
    shape: [28, 28, 1],
    classNames,
  };
}

function statisticsOf(split: ImageSplit): ChannelStatistics {
  let sum = 0;
  let squares = 0;
  for (const value of split.images) {
    sum += value;
    squares += value * value;
  }
  const mean = sum / split.images.length;
  return { mean: [mean], std: [Math.sqrt(squares / split.images.length - mean * mean)] };
}

beforeAll(async () => {
  await initializeBackend({ forced: 'wasm' });
});

describe('training on real Fashion-MNIST', () => {
  it('resnet8 reaches at least 70 % top-1 on 1,000 test images after one epoch on 5,000', async () => {
    const train = readSplit('train', 5000);
    const test = readSplit('t10k', 1000);
    expect(train.count).toBe(5000);
    expect(test.count).toBe(1000);
    const student = buildBackbone('resnet8', { inputShape: [28, 28, 1], classes: 10, seed: 1 });
    const epochs: EpochMetrics[] = [];
    const result = await trainRun(
      {
        hyperparameters: { method: 'none' },
        epochs: 1,
        // One short epoch: smaller batches give more updates, and a cosine decay to zero lets the BatchNorm
        // running statistics settle on the final weights (with a constant rate test top-1 lands near 30-40 %).
        batchSize: 32,
        learningRate: 0.05,
        momentum: 0.9,
        weightDecay: 5e-4,
        schedule: { kind: 'cosine', minimum: 0 },
        warmupEpochs: 0,
        seed: 1,
        augmentation: { randomCrop: false, padding: 4, horizontalFlip: false },
        evaluationBatchSize: 250,
        checkpointDirectory: null,
        resume: false,
      },
      { student, teacher: null },
      { train, test, statistics: statisticsOf(train) },
      { onEpoch: (metrics) => void epochs.push(metrics) },
    );
    const metrics = result.history[0];
    console.info(
      `Fashion-MNIST resnet8 on ${tf.getBackend()}: top-1 ${metrics?.test.top1}, top-5 ${metrics?.test.top5}, ` +
        `${metrics?.imagesPerSecond.toFixed(1)} img/s, ${metrics?.seconds.toFixed(1)} s`,
    );
    expect(result.status).toBe('completed');
    expect(epochs).toHaveLength(1);
    expect(metrics?.test.top1).toBeGreaterThanOrEqual(0.7);
    expect(metrics?.test.top5).toBeGreaterThan(metrics?.test.top1 ?? 1);
  });
});
