import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readHealthReport, readManifest, verifyCache } from '../../../../src-main/engine/data/cache.js';
import {
  demoClassNames,
  generateDemoDataset,
  writeDemoCache,
} from '../../../../src-main/engine/data/demo-dataset.js';

const small = { trainCount: 60, testCount: 20, seed: 7 };
const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

// Byte comparison; toEqual walks typed arrays element by element and is slow on images.
function sameBytes(left: Uint8Array | undefined, right: Uint8Array | undefined): boolean {
  return left !== undefined && right !== undefined && Buffer.from(left).equals(Buffer.from(right));
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

  it('writes a cache that reads back like an import, under the name it is given', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rtk-demo-'));
    homes.push(home);
    const dataset = generateDemoDataset(small);
    const cachePath = join(home, 'datasets', 'demo');
    const written = await writeDemoCache(dataset, cachePath, small, 'Demo shapes (small)');
    const manifest = readManifest(cachePath);
    expect(manifest).toEqual(written);
    expect(manifest.name).toBe('Demo shapes (small)');
    expect(manifest.classNames).toEqual([...demoClassNames]);
    expect(manifest.fingerprint).toBe(dataset.fingerprint);
    expect(verifyCache(cachePath)).toBe(true);
    expect(readHealthReport(cachePath).countsPerClass[1]?.counts).toEqual(new Array<number>(10).fill(2));
    expect(manifest.thumbnails[0]).toHaveLength(4);
    await expect(writeDemoCache(dataset, cachePath, small)).rejects.toThrow();
  });
});
