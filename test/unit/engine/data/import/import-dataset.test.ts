import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadCachedSplit,
  readHealthReport,
  readManifest,
  verifyCache,
} from '../../../../../src-main/engine/data/cache.js';
import type { DatasetError } from '../../../../../src-main/engine/data/formats/errors.js';
import {
  DatasetAccessError,
  DatasetFormatError,
  DatasetLayoutError,
  DatasetRequestError,
  DatasetStorageError,
  ImportCancelledError,
} from '../../../../../src-main/engine/data/formats/errors.js';
import { importDataset } from '../../../../../src-main/engine/data/import/import-dataset.js';
import type { ImportRequest } from '../../../../../src-main/engine/data/import/import-dataset.js';
import type { ImportProgress } from '../../../../../src-main/engine/data/import/progress.js';
import { writeCifar10, writeCifar100 } from '../../../../fixtures/datasets/cifar.js';
import {
  encodeWithPillow,
  writeClassFolders,
  writeCorruptPng,
} from '../../../../fixtures/datasets/images.js';
import { encodeIdx, writeIdx } from '../../../../fixtures/datasets/idx.js';
import {
  encodeHdf5MatStub,
  writeMatFile,
  svhnVariables,
  writeSvhn,
} from '../../../../fixtures/datasets/mat.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';
import { canMountTmpfs, listAll, temporaryFolder, withTmpfs } from '../../../../fixtures/datasets/temp.js';

let scratch: { path: string; remove: () => void };
let sources: string;
let home: string;
beforeEach(() => {
  scratch = temporaryFolder('import');
  sources = path.join(scratch.path, 'sources');
  home = path.join(scratch.path, 'home', 'datasets');
  mkdirSync(sources);
  mkdirSync(home, { recursive: true });
});
afterEach(() => scratch.remove());

function target(name = 'dataset-1'): string {
  return path.join(home, name);
}

/** Runs an import that must fail and checks the error and that the datasets folder is left empty. */
async function expectFailure(
  request: Omit<ImportRequest, 'target'>,
  errorClass: typeof DatasetError,
  file: string,
  message: string | RegExp,
): Promise<void> {
  const error = await importDataset({ ...request, target: target() }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(errorClass);
  expect((error as DatasetError).file).toBe(file);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
  expect(listAll(home)).toEqual([]);
}

describe('importDataset: valid imports', () => {
  it('imports CIFAR-10 into a cache the trainer loads, with counts, statistics, thumbnails and a health report', async () => {
    const fixture = writeCifar10(sources, { perBatch: 20, batches: 5, testCount: 20 });
    const progress: ImportProgress[] = [];
    const result = await importDataset(
      { source: fixture.folder, target: target(), name: 'tiny cifar' },
      { onProgress: (report) => progress.push(report) },
    );
    const manifest = readManifest(result.directory);
    expect(manifest.format).toBe('cifar10');
    expect(manifest.name).toBe('tiny cifar');
    expect(manifest.shape).toEqual([32, 32, 3]);
    expect(manifest.splits.map((split) => [split.name, split.count])).toEqual([
      ['train', 100],
      ['test', 20],
    ]);
    expect(manifest.splits[0]?.countsPerClass).toEqual(new Array(10).fill(10));
    expect(manifest.sources).toContain(path.join(fixture.folder, 'data_batch_3.bin'));
    const train = loadCachedSplit(result.directory, 'train');
    expect(Buffer.from(train.images).equals(Buffer.from(fixture.train.images))).toBe(true);
    expect([...train.labels]).toEqual(fixture.train.labels);
    expect(train.classNames).toEqual(fixture.classNames);
    const red = [...fixture.train.images].filter((_, index) => index % 3 === 0);
    const mean = red.reduce((sum, value) => sum + value, 0) / red.length;
    expect(manifest.statistics.mean[0]).toBeCloseTo(mean, 9);
    const std = Math.sqrt(red.reduce((sum, value) => sum + (value - mean) ** 2, 0) / red.length);
    expect(manifest.statistics.std[0]).toBeCloseTo(std, 9);
    expect(manifest.thumbnails).toHaveLength(10);
    expect(manifest.thumbnails[9]).toHaveLength(4);
    expect(existsSync(path.join(result.directory, manifest.thumbnails[9]?.[3] ?? 'missing'))).toBe(true);
    const thumbnail = await sharp(path.join(result.directory, manifest.thumbnails[9]?.[0] ?? 'missing'))
      .raw()
      .toBuffer();
    const firstTruck = fixture.train.labels.indexOf(9);
    expect(
      thumbnail.equals(
        Buffer.from(fixture.train.images.subarray(firstTruck * 3072, (firstTruck + 1) * 3072)),
      ),
    ).toBe(true);
    const health = readHealthReport(result.directory);
    expect(health.imbalanceRatio).toBe(1);
    expect(health.ignoredFileCount).toBe(1);
    expect(health.sizeSpread).toEqual([{ width: 32, height: 32, channels: 3, count: 120 }]);
    expect(verifyCache(result.directory)).toBe(true);
    expect(listAll(home)).toEqual(['dataset-1']);
    const reading = progress.filter((report) => report.phase === 'reading');
    expect(reading.at(-1)).toMatchObject({ done: 120, total: 120, unit: 'images' });
    expect(progress.map((report) => report.phase)).toContain('writing');
  });

  it('gives identical content the same fingerprint wherever it comes from, and different content another', async () => {
    const first = writeCifar10(path.join(sources, 'a'), { perBatch: 4, batches: 2, testCount: 4 });
    const second = writeCifar10(path.join(sources, 'b'), { perBatch: 4, batches: 2, testCount: 4 });
    const third = writeCifar10(path.join(sources, 'c'), { perBatch: 4, batches: 2, testCount: 4, seed: 99 });
    const one = await importDataset({ source: first.folder, target: target('one') });
    const two = await importDataset({ source: second.folder, target: target('two') });
    const three = await importDataset({ source: third.folder, target: target('three') });
    expect(one.manifest.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(two.manifest.fingerprint).toBe(one.manifest.fingerprint);
    expect(three.manifest.fingerprint).not.toBe(one.manifest.fingerprint);
  });

  it('imports CIFAR-100 with coarse labels on request', async () => {
    const fixture = writeCifar100(sources, { trainCount: 100, testCount: 40 });
    const result = await importDataset({
      source: fixture.folder,
      target: target(),
      cifar100Labels: 'coarse',
    });
    expect(result.manifest.classNames).toHaveLength(20);
    expect([...loadCachedSplit(result.directory, 'test').labels]).toEqual(fixture.test.coarse);
  });

  it('imports SVHN from a picked .mat file, carving a seeded, stratified validation split', async () => {
    const fixture = writeSvhn(sources, { trainCount: 50, testCount: 10 });
    const request = { source: fixture.files.train, validationFraction: 0.2, seed: 7 };
    const result = await importDataset({ ...request, target: target('a') });
    expect(result.detected.format).toBe('svhn');
    const counts = result.manifest.splits.map((split) => [split.name, split.count, split.countsPerClass]);
    expect(counts).toEqual([
      ['train', 40, new Array(10).fill(4)],
      ['validation', 10, new Array(10).fill(1)],
      ['test', 10, new Array(10).fill(1)],
    ]);
    expect(result.manifest.validation).toEqual({ fraction: 0.2, seed: 7 });
    const again = await importDataset({ ...request, target: target('b') });
    expect(again.manifest.fingerprint).toBe(result.manifest.fingerprint);
    const otherSeed = await importDataset({ ...request, seed: 8, target: target('c') });
    expect(otherSeed.manifest.fingerprint).not.toBe(result.manifest.fingerprint);
  });

  it('imports IDX files and converts them to three channels and another size on request', async () => {
    const fixture = writeIdx(sources, { trainCount: 20, testCount: 10 });
    const result = await importDataset({ source: sources, target: target(), channels: 3, size: 32 });
    expect(result.manifest.shape).toEqual([32, 32, 3]);
    const test = loadCachedSplit(result.directory, 'test');
    expect(test.images.length).toBe(10 * 32 * 32 * 3);
    expect(test.images[0]).toBe(test.images[1]);
    expect([...test.labels]).toEqual(fixture.test.labels);
  });

  it('reports exact duplicates within and across splits', async () => {
    const images = seededBytes(5, 6 * 16);
    images.copyWithin(16, 0, 16);
    const testImages = Uint8Array.from([...images.subarray(32, 48), ...seededBytes(6, 16)]);
    writeFileSync(path.join(sources, 'train-images-idx3-ubyte'), encodeIdx([6, 4, 4], images));
    writeFileSync(
      path.join(sources, 'train-labels-idx1-ubyte'),
      encodeIdx([6], Uint8Array.from([0, 1, 0, 1, 0, 1])),
    );
    writeFileSync(path.join(sources, 't10k-images-idx3-ubyte'), encodeIdx([2, 4, 4], testImages));
    writeFileSync(path.join(sources, 't10k-labels-idx1-ubyte'), encodeIdx([2], Uint8Array.from([0, 1])));
    const result = await importDataset({ source: sources, target: target() });
    const duplicates = result.health.duplicates;
    expect(duplicates.withinSplits).toEqual([
      { split: 'train', groups: 1, extraCopies: 1 },
      { split: 'test', groups: 0, extraCopies: 0 },
    ]);
    expect(duplicates.acrossSplits).toEqual([{ split: 'test', otherSplit: 'train', images: 1 }]);
    expect(duplicates.conflictingLabels).toBe(1);
    expect(duplicates.examples).toContainEqual({
      members: [
        { split: 'train', index: 0, label: 0 },
        { split: 'train', index: 1, label: 1 },
      ],
    });
  });

  it('imports a flat image folder with a seeded test split, listing the corrupt file it skipped', async () => {
    const root = path.join(sources, 'pets');
    writeClassFolders(root, [
      { name: 'cat', count: 5 },
      { name: 'dog', count: 5 },
      { name: 'owl', count: 4 },
    ]);
    const corrupt = path.join(root, 'dog', 'zz-broken.png');
    writeCorruptPng(corrupt);
    writeFileSync(path.join(root, 'cat', 'Thumbs.db'), 'x');
    const result = await importDataset({ source: root, target: target(), testFraction: 0.25, seed: 3 });
    expect(result.manifest.format).toBe('folder');
    expect(result.manifest.classNames).toEqual(['cat', 'dog', 'owl']);
    expect(result.manifest.splits.map((split) => [split.name, split.countsPerClass])).toEqual([
      ['train', [4, 4, 3]],
      ['test', [1, 1, 1]],
    ]);
    expect(result.manifest.carvedTest).toEqual({ fraction: 0.25, seed: 3 });
    expect(result.health.unreadableFiles).toEqual([
      {
        file: corrupt,
        reason: 'this file is not a valid PNG: its header is damaged',
        detail: expect.stringContaining('corrupt header') as string,
      },
    ]);
    expect(result.health.ignoredFileCount).toBe(1);
    expect(result.health.imbalanceRatio).toBeCloseTo(4 / 3, 12);
  });

  it('detects CINIC-10 (train/valid/test of the CIFAR-10 classes) and keeps its validation split', async () => {
    const classes = [
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ];
    for (const [split, count] of [
      ['train', 2],
      ['valid', 1],
      ['test', 1],
    ] as const) {
      writeClassFolders(
        path.join(sources, 'CINIC-10', split),
        classes.map((name) => ({ name, count, width: 8, height: 8 })),
      );
    }
    const result = await importDataset({
      source: path.join(sources, 'CINIC-10'),
      target: target(),
      validationFraction: 0.5,
    });
    expect(result.manifest.format).toBe('cinic10');
    expect(result.manifest.splits.map((split) => [split.name, split.count])).toEqual([
      ['train', 20],
      ['validation', 10],
      ['test', 10],
    ]);
    expect(result.manifest.validation).toBeNull();
    expect(result.health.notes.join(' ')).toContain('own validation split');
  });
});

describe('importDataset: bad input leaves nothing behind', () => {
  it('a truncated CIFAR batch', async () => {
    const fixture = writeCifar10(sources, { perBatch: 5, batches: 2 });
    const file = path.join(fixture.folder, 'data_batch_2.bin');
    truncateSync(file, 3073 * 2);
    await expectFailure(
      { source: fixture.folder },
      DatasetFormatError,
      file,
      /holds 2 records where the other training batches hold 5: it looks truncated/,
    );
  });

  it('a CIFAR record count that is not a whole number', async () => {
    const fixture = writeCifar10(sources, { perBatch: 5, batches: 1 });
    const file = path.join(fixture.folder, 'data_batch_1.bin');
    truncateSync(file, 3073 * 4 + 7);
    await expectFailure(
      { source: fixture.folder },
      DatasetFormatError,
      file,
      /is not a whole number of 3,073-byte records/,
    );
  });

  it('a label outside the class list', async () => {
    const fixture = writeCifar10(sources, { perBatch: 5, batches: 1 });
    const file = path.join(fixture.folder, 'test_batch.bin');
    const bytes = readFileSync(file);
    bytes[3073 * 4] = 10;
    writeFileSync(file, bytes);
    await expectFailure(
      { source: fixture.folder },
      DatasetFormatError,
      file,
      `${file}: record 4 has label 10, outside the 10 classes (0..9).`,
    );
  });

  it('a v7.3 (HDF5) MAT file', async () => {
    const fixture = writeSvhn(sources);
    writeFileSync(fixture.files.test, encodeHdf5MatStub());
    await expectFailure(
      { source: sources },
      DatasetFormatError,
      fixture.files.test,
      /v7\.3 \(HDF5\).*save it again with save\(\.\.\., '-v7'\)/,
    );
  });

  it('a MAT file without y', async () => {
    const fixture = writeSvhn(sources);
    const [x] = svhnVariables(seededBytes(1, 3072), [1]);
    writeMatFile(fixture.files.train, x === undefined ? [] : [x], true);
    await expectFailure(
      { source: sources },
      DatasetFormatError,
      fixture.files.train,
      /has no variable y \(the labels, \[N,1\]\); it holds X\./,
    );
  });

  it('a MAT file whose X and y differ in length', async () => {
    const fixture = writeSvhn(sources);
    const variables = svhnVariables(seededBytes(1, 2 * 3072), [1, 2]);
    const [x, y] = variables;
    if (x === undefined || y === undefined) throw new Error('fixture has X and y');
    const shortY = { ...y, dimensions: [1, 1], data: y.data.subarray(0, 8) };
    writeMatFile(fixture.files.test, [x, shortY], true);
    await expectFailure(
      { source: sources },
      DatasetFormatError,
      fixture.files.test,
      `${fixture.files.test}: X holds 2 images but y holds 1 labels; they must match.`,
    );
  });

  it('an IDX file with a wrong magic number', async () => {
    const fixture = writeIdx(sources, { gzip: true });
    writeFileSync(fixture.files.testLabels, gzipSync(encodeIdx([20], new Uint8Array(20), 0x00000d01)));
    await expectFailure(
      { source: sources },
      DatasetFormatError,
      fixture.files.testLabels,
      /has magic number 0x00000d01; expected 0x00000801/,
    );
  });

  it('an IDX file whose count does not match its length', async () => {
    const fixture = writeIdx(sources, { gzip: false });
    writeFileSync(fixture.files.trainLabels, encodeIdx([50], new Uint8Array(49)));
    await expectFailure(
      { source: sources },
      DatasetFormatError,
      fixture.files.trainLabels,
      /declares 50 items \(58 bytes\) but is 57 bytes long, room for 49/,
    );
  });

  it('a folder in which every image is corrupt', async () => {
    writeCorruptPng(path.join(sources, 'a', '1.png'));
    writeCorruptPng(path.join(sources, 'b', '1.png'));
    await expectFailure(
      { source: sources },
      DatasetLayoutError,
      sources,
      /^None of the 2 image files in .* could be decoded/,
    );
  });

  it('an empty class folder', async () => {
    writeClassFolders(sources, [{ name: 'a', count: 2 }]);
    mkdirSync(path.join(sources, 'b'));
    await expectFailure(
      { source: sources },
      DatasetLayoutError,
      path.join(sources, 'b'),
      /is an empty class folder/,
    );
  });

  it('a class with a single image', async () => {
    writeClassFolders(sources, [
      { name: 'a', count: 2 },
      { name: 'b', count: 1 },
    ]);
    await expectFailure(
      { source: sources },
      DatasetLayoutError,
      path.join(sources, 'b'),
      /holds only 1 readable image; a class needs at least 2/,
    );
  });

  it('a path that does not exist', async () => {
    const missing = path.join(sources, 'nowhere');
    await expectFailure({ source: missing }, DatasetAccessError, missing, `${missing} does not exist.`);
  });

  it('a folder with no dataset in it', async () => {
    writeFileSync(path.join(sources, 'notes.txt'), 'hello');
    await expectFailure({ source: sources }, DatasetLayoutError, sources, /^No dataset found in /);
  });

  it('a file without read permission', async () => {
    const fixture = writeCifar10(sources, { perBatch: 2, batches: 1 });
    const file = path.join(fixture.folder, 'test_batch.bin');
    chmodSync(file, 0o000);
    if (process.getuid?.() !== 0) {
      await expectFailure(
        { source: fixture.folder },
        DatasetAccessError,
        file,
        `${file} cannot be read: permission denied.`,
      );
      return;
    }
    // Root reads any file whatever its mode, so the import runs in a child process of root without the
    // capabilities that bypass file permissions (util-linux setpriv).
    const script = fileURLToPath(
      new URL('../../../../fixtures/datasets/import-as-child.ts', import.meta.url),
    );
    const child = spawnSync(
      'setpriv',
      [
        '--bounding-set=-dac_override,-dac_read_search',
        process.execPath,
        '--import',
        'tsx',
        script,
        fixture.folder,
        target(),
      ],
      { cwd: fileURLToPath(new URL('../../../../..', import.meta.url)), encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    const outcome = JSON.parse(child.stdout) as { ok: boolean; name: string; file: string; message: string };
    expect(outcome).toEqual({
      ok: false,
      name: 'DatasetAccessError',
      file,
      message: `${file} cannot be read: permission denied.`,
    });
    expect(listAll(home)).toEqual([]);
  });

  it('a target that already exists is left untouched', async () => {
    const fixture = writeCifar10(sources, { perBatch: 2, batches: 1 });
    mkdirSync(target());
    writeFileSync(path.join(target(), 'keep.txt'), 'mine');
    const error = await importDataset({ source: fixture.folder, target: target() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DatasetRequestError);
    expect(listAll(home)).toEqual(['dataset-1']);
    expect(listAll(target())).toEqual(['keep.txt']);
  });

  it('a fraction out of range', async () => {
    const fixture = writeCifar10(sources, { perBatch: 2, batches: 1 });
    await expectFailure(
      { source: fixture.folder, validationFraction: 1 },
      DatasetRequestError,
      fixture.folder,
      'validationFraction is 1; expected a number from 0 up to (not including) 1.',
    );
  });

  it('a cancelled import', async () => {
    const root = path.join(sources, 'pets');
    writeClassFolders(root, [
      { name: 'cat', count: 3 },
      { name: 'dog', count: 3 },
    ]);
    const controller = new AbortController();
    const error = await importDataset(
      { source: root, target: target() },
      { signal: controller.signal, onProgress: (report) => report.phase === 'reading' && controller.abort() },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportCancelledError);
    expect(listAll(home)).toEqual([]);
  });

  it('a cancellation while the cache is being written', async () => {
    const fixture = writeCifar10(sources, { perBatch: 2, batches: 1 });
    const controller = new AbortController();
    const error = await importDataset(
      { source: fixture.folder, target: target() },
      { signal: controller.signal, onProgress: (report) => report.phase === 'writing' && controller.abort() },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportCancelledError);
    expect(listAll(home)).toEqual([]);
  });
});

describe('importDataset: names that are not UTF-8', () => {
  it('imports a class folder named in Latin-1, showing the class as caf\\xE9', async () => {
    const root = path.join(sources, 'drinks');
    writeClassFolders(root, [{ name: 'tea', count: 3 }]);
    const latin1 = Buffer.concat([Buffer.from(root), Buffer.from('/caf'), Buffer.from([0xe9])]);
    mkdirSync(latin1);
    for (let index = 0; index < 3; index += 1) {
      const png = encodeWithPillow('png', 32, 32, seededBytes(70 + index, 3072));
      writeFileSync(Buffer.concat([latin1, Buffer.from(`/${index}.png`)]), png);
    }
    const result = await importDataset({ source: root, target: target(), testFraction: 0.34 });
    expect(result.manifest.classNames).toEqual(['caf\\xE9', 'tea']);
    expect(result.manifest.sources).toEqual([path.join(root, 'caf\\xE9'), path.join(root, 'tea')]);
    expect(result.manifest.splits.map((split) => split.countsPerClass)).toEqual([
      [2, 2],
      [1, 1],
    ]);
    expect(result.health.unreadableFiles).toEqual([]);
  });
});

describe('importDataset: a full disk', () => {
  it('reports ENOSPC from the kernel as a full disk with the free and needed space, leaving nothing', async () => {
    const fixture = writeCifar10(sources, { perBatch: 20, batches: 2, testCount: 20 });
    // /dev/full fails every write with a real ENOSPC, as a disk without room does.
    const error = await importDataset(
      { source: fixture.folder, target: target() },
      { openForWriting: () => open('/dev/full', 'w') },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetStorageError);
    expect((error as DatasetStorageError).file).toBe(home);
    const message = (error as Error).message;
    const figures = new RegExp(
      `^The disk is full: [\\d,.]+ MB free on ${home}; the import needs about ([\\d.]+) MB\\.$`,
    );
    expect(message).toMatch(figures);
    // The pixels and labels alone are 30 × 3,074 bytes.
    expect(Number(figures.exec(message)?.[1])).toBeGreaterThanOrEqual(0.1);
    expect(listAll(home)).toEqual([]);
  });

  it.runIf(canMountTmpfs())('refuses, before writing, a home on a disk that is too small', async () => {
    const small = path.join(scratch.path, 'small');
    mkdirSync(small);
    await withTmpfs(small, '1m', async () => {
      const fixture = writeCifar10(sources, { perBatch: 200, batches: 2, testCount: 100 });
      const error = await importDataset({
        source: fixture.folder,
        target: path.join(small, 'datasets', 'dataset-1'),
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatasetStorageError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^The disk is full: [\\d.]+ MB free on ${path.join(small, 'datasets')}; the import needs about [\\d.]+ MB\\.$`,
        ),
      );
      expect(listAll(path.join(small, 'datasets'))).toEqual([]);
    });
  });
});

describe('importDataset: progress', () => {
  it('counts the cache written in bytes, up to every byte of pixels and labels', async () => {
    const fixture = writeCifar10(sources, { perBatch: 10, batches: 2, testCount: 10 });
    const progress: ImportProgress[] = [];
    await importDataset(
      { source: fixture.folder, target: target() },
      { onProgress: (report) => progress.push(report) },
    );
    const writing = progress.filter((report) => report.phase === 'writing');
    expect(writing.every((report) => report.unit === 'bytes')).toBe(true);
    // 30 images of 32x32x3 bytes and 30 two-byte labels.
    expect(writing.at(-1)).toMatchObject({ done: 30 * 3074, total: 30 * 3074 });
  });
});
