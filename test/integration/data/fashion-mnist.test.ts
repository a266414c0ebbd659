import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCachedSplit, readHealthReport, verifyCache } from '../../../src-main/engine/data/cache.js';
import { importDataset } from '../../../src-main/engine/data/import/import-dataset.js';
import type { ImportProgress } from '../../../src-main/engine/data/import/progress.js';
import { temporaryFolder } from '../../fixtures/datasets/temp.js';

// Installed by Debian's dataset-fashion-mnist package.
const source = '/usr/share/datasets/fashion-mnist';
const folder = temporaryFolder('fashion-mnist');
afterAll(() => folder.remove());

describe('Fashion-MNIST (real IDX files)', () => {
  it('imports 60,000 / 10,000 images of 28x28x1, 6,000 / 1,000 per class, with a stable fingerprint', async () => {
    const progress: ImportProgress[] = [];
    const result = await importDataset(
      { source, target: path.join(folder.path, 'fashion-mnist') },
      { onProgress: (report) => progress.push(report) },
    );
    // Reading counts images as the gzip files inflate, not files once each is whole.
    const reading = progress.filter((report) => report.phase === 'reading');
    expect(reading.every((report) => report.unit === 'images' && report.total === 70_000)).toBe(true);
    expect(reading.some((report) => report.done > 0 && report.done < 70_000)).toBe(true);
    expect(reading.at(-1)?.done).toBe(70_000);
    const { manifest } = result;
    expect(manifest.format).toBe('idx');
    expect(manifest.shape).toEqual([28, 28, 1]);
    expect(manifest.classNames).toEqual([
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
    ]);
    expect(manifest.splits.map((split) => [split.name, split.count, split.countsPerClass])).toEqual([
      ['train', 60_000, new Array(10).fill(6_000)],
      ['test', 10_000, new Array(10).fill(1_000)],
    ]);
    expect(manifest.fingerprint).toBe('1f03ee101169897d92678371a9027ec62ad43e2e47bfe693c749e0b7382e3eb1');
    expect(manifest.statistics.mean[0]).toBeCloseTo(72.94035223214286, 9);
    expect(manifest.statistics.std[0]).toBeCloseTo(90.02118235130524, 9);
    const train = loadCachedSplit(result.directory, 'train');
    expect(train.count).toBe(60_000);
    expect(train.images.length).toBe(60_000 * 784);
    const health = readHealthReport(result.directory);
    expect(health.imbalanceRatio).toBe(1);
    // Checked independently with numpy.unique: no two Fashion-MNIST images are identical.
    expect(health.duplicates.withinSplits.map((entry) => entry.groups)).toEqual([0, 0]);
    expect(health.duplicates.acrossSplits).toEqual([]);
    expect(verifyCache(result.directory)).toBe(true);
  });
});
