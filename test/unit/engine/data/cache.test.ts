import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  computeFingerprint,
  loadCachedSplit,
  readManifest,
  verifyCache,
} from '../../../../src-main/engine/data/cache.js';
import { DatasetFormatError } from '../../../../src-main/engine/data/formats/errors.js';
import { importDataset } from '../../../../src-main/engine/data/import/import-dataset.js';
import { writeIdx } from '../../../fixtures/datasets/idx.js';
import { temporaryFolder } from '../../../fixtures/datasets/temp.js';

let folder: { path: string; remove: () => void };
let cache: string;
beforeEach(async () => {
  folder = temporaryFolder('cache');
  writeIdx(path.join(folder.path, 'source'), { trainCount: 20, testCount: 10, rows: 6, columns: 5 });
  cache = (
    await importDataset({ source: path.join(folder.path, 'source'), target: path.join(folder.path, 'cache') })
  ).directory;
});
afterEach(() => folder.remove());

describe('dataset cache', () => {
  it('stores labels as little-endian uint16 and pixels as uint8 NHWC', () => {
    const split = loadCachedSplit(cache, 'test');
    expect(split.shape).toEqual([6, 5, 1]);
    expect(split.count).toBe(10);
    const labelBytes = readFileSync(path.join(cache, 'test-labels.u16le'));
    expect(labelBytes.readUInt16LE(6)).toBe(split.labels[3]);
    expect(split.images.length).toBe(10 * 30);
  });

  it('fingerprints class names, shape and content, so a changed pixel changes it', () => {
    const manifest = readManifest(cache);
    const splits = manifest.splits.map((entry) => ({
      name: entry.name,
      ...loadCachedSplit(cache, entry.name),
    }));
    expect(computeFingerprint(manifest.classNames, manifest.shape, splits)).toBe(manifest.fingerprint);
    expect(computeFingerprint(['x', ...manifest.classNames.slice(1)], manifest.shape, splits)).not.toBe(
      manifest.fingerprint,
    );
    const file = path.join(cache, 'train-images.u8');
    const bytes = readFileSync(file);
    bytes[17] = (bytes[17] ?? 0) ^ 1;
    writeFileSync(file, bytes);
    expect(verifyCache(cache)).toBe(false);
  });

  it('refuses a pixels file whose length differs from the manifest', () => {
    const file = path.join(cache, 'train-images.u8');
    truncateSync(file, 100);
    expect(() => loadCachedSplit(cache, 'train')).toThrow(
      `${file} is 100 bytes long; the manifest says 600.`,
    );
  });

  it('refuses a split the cache does not have and a manifest of another version', () => {
    expect(() => loadCachedSplit(cache, 'validation')).toThrow(/has no validation split; it has train, test/);
    const manifestFile = path.join(cache, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, version: 99 }));
    const error = (() => {
      try {
        return readManifest(cache);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as Error).message).toBe(
      `${manifestFile} is not a dataset manifest: version 99, expected 1.`,
    );
  });
});
