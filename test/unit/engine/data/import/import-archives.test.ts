import { mkdirSync, truncateSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCachedSplit } from '../../../../../src-main/engine/data/cache.js';
import { detectDataset } from '../../../../../src-main/engine/data/formats/detect.js';
import type { DatasetError } from '../../../../../src-main/engine/data/formats/errors.js';
import {
  DatasetFormatError,
  ImportCancelledError,
} from '../../../../../src-main/engine/data/formats/errors.js';
import { importDataset } from '../../../../../src-main/engine/data/import/import-dataset.js';
import type { ImportOptions } from '../../../../../src-main/engine/data/import/import-dataset.js';
import { writeArchive } from '../../../../fixtures/datasets/archives.js';
import type { ArchiveSpec } from '../../../../fixtures/datasets/archives.js';
import { writeCifar10 } from '../../../../fixtures/datasets/cifar.js';
import { writeClassFolders } from '../../../../fixtures/datasets/images.js';
import { writeSvhn } from '../../../../fixtures/datasets/mat.js';
import { listAll, temporaryFolder } from '../../../../fixtures/datasets/temp.js';

const cifarClasses = [
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

let scratch: { path: string; remove: () => void };
let sources: string;
let home: string;
beforeEach(() => {
  scratch = temporaryFolder('import-archive');
  sources = path.join(scratch.path, 'sources');
  home = path.join(scratch.path, 'home', 'datasets');
  mkdirSync(sources);
  mkdirSync(home, { recursive: true });
});
afterEach(() => scratch.remove());

function target(): string {
  return path.join(home, 'dataset-1');
}

function archiveOf(
  name: string,
  kind: ArchiveSpec['kind'],
  add: NonNullable<ArchiveSpec['add']>,
  extra: NonNullable<ArchiveSpec['extra']> = [],
): string {
  return writeArchive({ output: path.join(scratch.path, name), kind, add, extra });
}

/** An import that must fail: its error, after checking that nothing is left in the datasets folder. */
async function failure(source: string, options: ImportOptions = {}): Promise<DatasetError> {
  const error = await importDataset({ source, target: target() }, options).catch((caught: unknown) => caught);
  expect(listAll(home)).toEqual([]);
  // Nothing was unpacked beside the user's archive either.
  expect(listAll(scratch.path).filter((name) => name.startsWith('.'))).toEqual([]);
  return error as DatasetError;
}

describe('archives import directly', () => {
  it('a CIFAR-10 .tar.gz with its cifar-10-batches-bin folder, as the official download is', async () => {
    const fixture = writeCifar10(sources, { perBatch: 6, batches: 5, testCount: 10 });
    const file = archiveOf('cifar-10-binary.tar.gz', 'tar.gz', [
      { path: fixture.folder, arcname: 'cifar-10-batches-bin' },
    ]);
    const detected = await detectDataset(file);
    expect(detected.format).toBe('cifar10');
    expect(detected.description).toBe(
      'CIFAR-10 binary in a .tar.gz archive: 8 files, 0.1 MB unpacked, in cifar-10-batches-bin/.',
    );
    const progress: { phase: string; done: number; total: number; unit: string }[] = [];
    const result = await importDataset(
      { source: file, target: target() },
      { onProgress: (report) => progress.push(report) },
    );
    const fromFolder = await importDataset({
      source: fixture.folder,
      target: path.join(home, 'from-folder'),
    });
    expect(result.manifest.fingerprint).toBe(fromFolder.manifest.fingerprint);
    expect(result.manifest.name).toBe('cifar-10-batches-bin');
    expect(result.manifest.sources).toContain(path.join(file, 'cifar-10-batches-bin', 'data_batch_1.bin'));
    expect(result.detected.description).toBe(
      'CIFAR-10 binary: 5 training batches and 1 test batch. Unpacked from cifar-10-binary.tar.gz.',
    );
    const unpacking = progress.filter((report) => report.phase === 'unpacking');
    expect(unpacking.at(-1)).toMatchObject({
      unit: 'bytes',
      done: statSync(file).size,
      total: statSync(file).size,
    });
    expect(listAll(home)).toEqual(['dataset-1', 'from-folder']);
    expect(
      Buffer.from(loadCachedSplit(target(), 'train').images).equals(Buffer.from(fixture.train.images)),
    ).toBe(true);
  });

  it('a .zip of image folders, named after its top folder', async () => {
    writeClassFolders(path.join(sources, 'pets'), [
      { name: 'cat', count: 3 },
      { name: 'dog', count: 3 },
    ]);
    const file = archiveOf('pets.zip', 'zip', [{ path: path.join(sources, 'pets'), arcname: 'pets' }]);
    expect((await detectDataset(file)).description).toMatch(
      /^Image folders in a \.zip archive: 6 files, [\d.]+ MB unpacked, in pets\/\.$/,
    );
    const result = await importDataset({ source: file, target: target() });
    expect(result.manifest.format).toBe('folder');
    expect(result.manifest.name).toBe('pets');
    expect(result.manifest.classNames).toEqual(['cat', 'dog']);
    expect(result.manifest.sources).toEqual([path.join(file, 'pets', 'cat'), path.join(file, 'pets', 'dog')]);
    expect(listAll(home)).toEqual(['dataset-1']);
  });

  it('a .zip of SVHN .mat files at its top, named after the archive', async () => {
    const fixture = writeSvhn(path.join(sources, 'svhn'), { trainCount: 20, testCount: 10 });
    const file = archiveOf('svhn-digits.zip', 'zip', [
      { path: fixture.files.train, arcname: 'train_32x32.mat' },
      { path: fixture.files.test, arcname: 'test_32x32.mat' },
    ]);
    const result = await importDataset({ source: file, target: target() });
    expect(result.manifest.format).toBe('svhn');
    expect(result.manifest.name).toBe('svhn-digits');
    expect(result.manifest.splits.map((split) => [split.name, split.count])).toEqual([
      ['train', 20],
      ['test', 10],
    ]);
    expect(listAll(home)).toEqual(['dataset-1']);
  });

  it('a CINIC-10 .tar with train, valid and test at its top', async () => {
    for (const [split, count] of [
      ['train', 2],
      ['valid', 1],
      ['test', 1],
    ] as const) {
      writeClassFolders(
        path.join(sources, 'cinic', split),
        cifarClasses.map((name) => ({ name, count, width: 8, height: 8 })),
      );
    }
    const file = archiveOf('CINIC-10.tar', 'tar', [
      { path: path.join(sources, 'cinic', 'train'), arcname: 'train' },
      { path: path.join(sources, 'cinic', 'valid'), arcname: 'valid' },
      { path: path.join(sources, 'cinic', 'test'), arcname: 'test' },
    ]);
    expect((await detectDataset(file)).format).toBe('cinic10');
    const result = await importDataset({ source: file, target: target() });
    expect(result.manifest.format).toBe('cinic10');
    expect(result.manifest.name).toBe('CINIC-10');
    expect(result.manifest.splits.map((split) => [split.name, split.count])).toEqual([
      ['train', 20],
      ['validation', 10],
      ['test', 10],
    ]);
  });
});

describe('bad archives are refused and leave nothing behind', () => {
  function petsArchive(kind: ArchiveSpec['kind'], extra: ArchiveSpec['extra']): string {
    writeClassFolders(path.join(sources, 'pets'), [
      { name: 'cat', count: 2 },
      { name: 'dog', count: 2 },
    ]);
    return archiveOf(`pets.${kind}`, kind, [{ path: path.join(sources, 'pets'), arcname: 'pets' }], extra);
  }

  it('a zip-slip entry (../evil)', async () => {
    const file = petsArchive('zip', [{ name: '../evil', text: 'x' }]);
    const error = await failure(file);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect(error.file).toBe(file);
    expect(error.message).toContain('holds an entry named "../evil" that would be written outside');
  });

  it('a symbolic link', async () => {
    const file = petsArchive('tar.gz', [{ name: 'pets/cat/link.png', symlink: '/etc/passwd' }]);
    const error = await failure(file);
    expect(error.message).toContain('holds a symbolic link "pets/cat/link.png"');
  });

  it('an entry whose declared size is above the limit', async () => {
    const file = petsArchive('tar', []);
    const error = await failure(file, { limits: { maximumUnpackedBytes: 1000 } });
    expect(error.message).toMatch(
      /unpacks to more than 0\.0 MB, the most an archive may unpack to \(entry "pets\/cat\/0000\.png"/,
    );
  });

  it('a truncated archive', async () => {
    const file = petsArchive('tar.gz', []);
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    const error = await failure(file);
    expect(error.message).toMatch(
      /is not a complete, valid \.tar\.gz archive \(it may be truncated or damaged\)/,
    );
  });

  it('a broken dataset inside the archive, named by its path inside the archive', async () => {
    const fixture = writeCifar10(sources, { perBatch: 4, batches: 2 });
    truncateSync(path.join(fixture.folder, 'data_batch_2.bin'), 3073 * 2);
    const file = archiveOf('cifar.tgz', 'tar.gz', [
      { path: fixture.folder, arcname: 'cifar-10-batches-bin' },
    ]);
    const broken = path.join(file, 'cifar-10-batches-bin', 'data_batch_2.bin');
    const error = await failure(file);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect(error.file).toBe(broken);
    expect(error.message).toBe(
      `${broken} holds 2 records where the other training batches hold 4: it looks truncated.`,
    );
  });

  it('a cancelled unpacking', async () => {
    const file = petsArchive('zip', []);
    const controller = new AbortController();
    const error = await failure(file, {
      signal: controller.signal,
      onProgress: (report) => report.phase === 'unpacking' && controller.abort(),
    });
    expect(error).toBeInstanceOf(ImportCancelledError);
  });
});
