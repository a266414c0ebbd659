import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetSummary } from '../../../../src-shared/contracts/domain-types.js';
import { readHealthReport, readManifest, verifyCache } from '../../../../src-main/engine/data/cache.js';
import {
  demoClassNames,
  ensureDemoDataset,
  generateDemoDataset,
} from '../../../../src-main/engine/data/demo-dataset.js';
import type { DemoDatasetRecord, DemoDatasetStore } from '../../../../src-main/engine/data/demo-dataset.js';

const small = { trainCount: 60, testCount: 20, seed: 7 };
const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

// Byte comparison; toEqual walks typed arrays element by element and is slow on images.
function sameBytes(left: Uint8Array | undefined, right: Uint8Array | undefined): boolean {
  return left !== undefined && right !== undefined && Buffer.from(left).equals(Buffer.from(right));
}

function memoryStore(): DemoDatasetStore & { records: DemoDatasetRecord[] } {
  const records: DemoDatasetRecord[] = [];
  const summary = (record: DemoDatasetRecord): DatasetSummary => ({
    id: record.id,
    name: record.name,
    format: record.format,
    imageHeight: record.imageHeight,
    imageWidth: record.imageWidth,
    channels: record.channels,
    classCount: record.classCount,
    trainCount: record.trainCount,
    testCount: record.testCount,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  return {
    records,
    datasets: {
      findByFingerprint: (fingerprint) => {
        const record = records.find((candidate) => candidate.fingerprint === fingerprint);
        return record === undefined ? undefined : summary(record);
      },
      get: (id) => records.find((candidate) => candidate.id === id),
      insert: (record) => {
        records.push(record);
        return summary(record);
      },
    },
  };
}

describe('the demo dataset', () => {
  it('draws the same pixels for the same seed and different ones for another seed', () => {
    const first = generateDemoDataset(small);
    const again = generateDemoDataset(small);
    const other = generateDemoDataset({ ...small, seed: 8 });
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(other.fingerprint).not.toBe(first.fingerprint);
    expect(sameBytes(first.splits[0]?.images, again.splits[0]?.images)).toBe(true);
  });

  it('has balanced classes and images that are not blank', () => {
    const dataset = generateDemoDataset(small);
    const train = dataset.splits.find((split) => split.name === 'train');
    expect(train?.count).toBe(60);
    expect(train?.images.length).toBe(60 * 32 * 32 * 3);
    const counts = new Array<number>(demoClassNames.length).fill(0);
    for (const label of train?.labels ?? []) counts[label] = (counts[label] ?? 0) + 1;
    expect(counts).toEqual(new Array<number>(10).fill(6));
    const firstImage = train?.images.subarray(0, 32 * 32 * 3) ?? new Uint8Array();
    expect(new Set(firstImage).size).toBeGreaterThan(20);
  });

  it('keeps the test images when the number of training images changes', () => {
    const first = generateDemoDataset(small);
    const more = generateDemoDataset({ ...small, trainCount: 80 });
    expect(sameBytes(more.splits[1]?.images, first.splits[1]?.images)).toBe(true);
    expect(sameBytes(more.splits[0]?.images.subarray(0, 100), first.splits[0]?.images.subarray(0, 100))).toBe(
      true,
    );
  });

  it('refuses a count below one image per class', () => {
    expect(() => generateDemoDataset({ ...small, testCount: 5 })).toThrow(
      /testCount must be a whole number from 10/,
    );
  });

  it('writes a cache that reads back like an import, records it once, and reuses it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rtk-demo-'));
    homes.push(home);
    const store = memoryStore();
    const created = await ensureDemoDataset(store, home, small);
    expect(created.created).toBe(true);
    expect(created.dataset).toMatchObject({ classCount: 10, trainCount: 60, testCount: 20, imageHeight: 32 });
    const record = store.records[0];
    expect(record?.cachePath).toBe(join(home, 'datasets', created.dataset.id));
    const cachePath = record?.cachePath ?? '';
    const manifest = readManifest(cachePath);
    expect(manifest.classNames).toEqual([...demoClassNames]);
    expect(manifest.fingerprint).toBe(record?.fingerprint);
    expect(verifyCache(cachePath)).toBe(true);
    expect(readHealthReport(cachePath).countsPerClass[1]?.counts).toEqual(new Array<number>(10).fill(2));
    expect(manifest.thumbnails[0]).toHaveLength(4);

    const reused = await ensureDemoDataset(store, home, small);
    expect(reused).toEqual({ dataset: created.dataset, created: false });
    expect(store.records).toHaveLength(1);
  });
});
