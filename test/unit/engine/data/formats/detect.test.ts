import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectDataset } from '../../../../../src-main/engine/data/formats/detect.js';
import {
  DatasetAccessError,
  DatasetLayoutError,
} from '../../../../../src-main/engine/data/formats/errors.js';
import { writeCifar10, writeCifar100 } from '../../../../fixtures/datasets/cifar.js';
import { writeClassFolders } from '../../../../fixtures/datasets/images.js';
import { writeIdx } from '../../../../fixtures/datasets/idx.js';
import { writeSvhn } from '../../../../fixtures/datasets/mat.js';
import { temporaryFolder } from '../../../../fixtures/datasets/temp.js';

let folder: { path: string; remove: () => void };
beforeEach(() => (folder = temporaryFolder('detect')));
afterEach(() => folder.remove());

describe('detectDataset', () => {
  it('finds CIFAR-10 from the extracted parent folder, the batches folder or one batch file', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 1, batches: 5, testCount: 1 });
    for (const picked of [folder.path, fixture.folder, path.join(fixture.folder, 'data_batch_2.bin')]) {
      const detected = await detectDataset(picked);
      expect(detected.format).toBe('cifar10');
      expect(detected.root).toBe(fixture.folder);
      expect(detected.files).toEqual([
        ...[1, 2, 3, 4, 5].map((index) => path.join(fixture.folder, `data_batch_${index}.bin`)),
        path.join(fixture.folder, 'test_batch.bin'),
        path.join(fixture.folder, 'batches.meta.txt'),
      ]);
      expect(detected.description).toBe('CIFAR-10 binary: 5 training batches and 1 test batch.');
    }
  });

  it('finds CIFAR-100, SVHN and IDX', async () => {
    const cifar100 = writeCifar100(path.join(folder.path, 'c100'), { trainCount: 1, testCount: 1 });
    expect((await detectDataset(path.join(folder.path, 'c100'))).format).toBe('cifar100');
    expect((await detectDataset(cifar100.folder, 'auto', { cifar100Labels: 'coarse' })).files).toContain(
      path.join(cifar100.folder, 'coarse_label_names.txt'),
    );
    const svhn = writeSvhn(path.join(folder.path, 'svhn'), { trainCount: 1, testCount: 1 });
    const detectedSvhn = await detectDataset(svhn.files.test);
    expect([detectedSvhn.format, detectedSvhn.files]).toEqual(['svhn', [svhn.files.train, svhn.files.test]]);
    const idx = writeIdx(path.join(folder.path, 'mnist'), { trainCount: 1, testCount: 1 });
    const detectedIdx = await detectDataset(idx.files.trainLabels);
    expect(detectedIdx.format).toBe('idx');
    expect(detectedIdx.files).toHaveLength(4);
  });

  it('tells image folders from CINIC-10 and counts the images', async () => {
    writeClassFolders(path.join(folder.path, 'pets'), [
      { name: 'cat', count: 2, width: 4, height: 4 },
      { name: 'dog', count: 3, width: 4, height: 4 },
    ]);
    const pets = await detectDataset(path.join(folder.path, 'pets'));
    expect([pets.format, pets.fileCount, pets.files.length]).toEqual(['folder', 5, 2]);
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
    for (const split of ['train', 'valid', 'test']) {
      writeClassFolders(
        path.join(folder.path, 'cinic', split),
        classes.map((name) => ({ name, count: 1, width: 4, height: 4 })),
      );
    }
    expect((await detectDataset(path.join(folder.path, 'cinic'))).format).toBe('cinic10');
    expect((await detectDataset(path.join(folder.path, 'cinic'), 'folder')).format).toBe('folder');
  });

  it('explains what is wrong with a path that is not a dataset', async () => {
    const missing = path.join(folder.path, 'missing');
    await expect(detectDataset(missing)).rejects.toBeInstanceOf(DatasetAccessError);
    const archive = path.join(folder.path, 'cifar-10-binary.tar.gz');
    writeFileSync(archive, 'x');
    await expect(detectDataset(archive)).rejects.toThrow(
      `${archive} is not a complete, valid .tar.gz archive (it may be truncated or damaged): Unrecognized archive format.`,
    );
    const sevenZip = path.join(folder.path, 'cifar-10-binary.7z');
    writeFileSync(sevenZip, 'x');
    await expect(detectDataset(sevenZip)).rejects.toThrow(
      `${sevenZip} is an archive of a kind import cannot unpack; unpack it first and pick the folder, or pick a .zip, .tar, .tar.gz or .tgz archive.`,
    );
    const image = path.join(folder.path, 'photo.png');
    writeFileSync(image, 'x');
    await expect(detectDataset(image)).rejects.toThrow(/is a single image; pick the dataset folder/);
    const empty = path.join(folder.path, 'empty');
    mkdirSync(empty);
    await expect(detectDataset(empty)).rejects.toBeInstanceOf(DatasetLayoutError);
    await expect(detectDataset(empty, 'cifar10')).rejects.toThrow(
      /holds no training batches: expected data_batch_1\.bin/,
    );
  });
});
