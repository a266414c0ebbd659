import { readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  readCifar10Dataset,
  readCifar100Dataset,
} from '../../../../../src-main/engine/data/formats/cifar.js';
import {
  DatasetFormatError,
  DatasetLayoutError,
} from '../../../../../src-main/engine/data/formats/errors.js';
import { writeCifar10, writeCifar100 } from '../../../../fixtures/datasets/cifar.js';
import { temporaryFolder } from '../../../../fixtures/datasets/temp.js';

const context = { progress: () => undefined };
let folder: { path: string; remove: () => void };
beforeEach(() => (folder = temporaryFolder('cifar')));
afterEach(() => folder.remove());

describe('CIFAR-10 binary', () => {
  it('decodes R, G, B planes into NHWC pixels and concatenates the training batches in order', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 12, batches: 5, testCount: 7 });
    const dataset = await readCifar10Dataset(fixture.folder, context);
    const [train, test] = dataset.splits;
    expect(dataset.shape).toEqual([32, 32, 3]);
    expect(dataset.classNames).toEqual(fixture.classNames);
    expect(train?.count).toBe(60);
    expect(test?.count).toBe(7);
    expect(Buffer.from(train?.images ?? []).equals(Buffer.from(fixture.train.images))).toBe(true);
    expect(Buffer.from(test?.images ?? []).equals(Buffer.from(fixture.test.images))).toBe(true);
    expect([...(train?.labels ?? [])]).toEqual(fixture.train.labels);
    expect(dataset.ignoredFileCount).toBe(1);
  });

  it('places the first record pixel as R, G, B of pixel (0, 0)', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 1, batches: 1, testCount: 1 });
    const raw = readFileSync(path.join(fixture.folder, 'data_batch_1.bin'));
    const dataset = await readCifar10Dataset(fixture.folder, context);
    const images = dataset.splits[0]?.images ?? new Uint8Array();
    expect([images[0], images[1], images[2]]).toEqual([raw[1], raw[1 + 1024], raw[1 + 2048]]);
    expect([images[3 * 33], images[3 * 33 + 2]]).toEqual([raw[1 + 33], raw[1 + 2048 + 33]]);
  });

  it('uses the official class names when batches.meta.txt is missing, and says so', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 2, batches: 1, testCount: 2, meta: false });
    const dataset = await readCifar10Dataset(fixture.folder, context);
    expect(dataset.classNames[0]).toBe('airplane');
    expect(dataset.notes.join(' ')).toContain('batches.meta.txt is missing');
  });

  it('rejects a batch that is shorter than its siblings as truncated, naming it', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 10, batches: 3 });
    const file = path.join(fixture.folder, 'data_batch_2.bin');
    truncateSync(file, 3073 * 6);
    const error = await readCifar10Dataset(fixture.folder, context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).file).toBe(file);
    expect((error as Error).message).toMatch(
      /holds 6 records where the other training batches hold 10: it looks truncated/,
    );
  });

  it('rejects a file that is not a whole number of records', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 4, batches: 1 });
    const file = path.join(fixture.folder, 'test_batch.bin');
    truncateSync(file, 3073 * 3 + 100);
    await expect(readCifar10Dataset(fixture.folder, context)).rejects.toThrow(
      `${file} is 9,319 bytes long, which is not a whole number of 3,073-byte records (3 records and 100 bytes left over)`,
    );
  });

  it('rejects a file shorter than one record', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 4, batches: 1 });
    const file = path.join(fixture.folder, 'test_batch.bin');
    writeFileSync(file, Buffer.alloc(0));
    await expect(readCifar10Dataset(fixture.folder, context)).rejects.toThrow(
      `${file} is truncated: it is 0 bytes long, less than one 3,073-byte record.`,
    );
  });

  it('rejects a label outside the class list, naming the file and the record', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 4, batches: 1 });
    const file = path.join(fixture.folder, 'data_batch_1.bin');
    const bytes = readFileSync(file);
    bytes[3073 * 2] = 12;
    writeFileSync(file, bytes);
    await expect(readCifar10Dataset(fixture.folder, context)).rejects.toThrow(
      `${file}: record 2 has label 12, outside the 10 classes (0..9).`,
    );
  });

  it('requires a test batch', async () => {
    const fixture = writeCifar10(folder.path, { perBatch: 2, batches: 1 });
    unlinkSync(path.join(fixture.folder, 'test_batch.bin'));
    await expect(readCifar10Dataset(fixture.folder, context)).rejects.toBeInstanceOf(DatasetLayoutError);
  });
});

describe('CIFAR-100 binary', () => {
  it('uses the fine label by default and the coarse one on request', async () => {
    const fixture = writeCifar100(folder.path, { trainCount: 120, testCount: 30 });
    const fine = await readCifar100Dataset(fixture.folder, 'fine', context);
    expect(fine.classNames).toHaveLength(100);
    expect([...(fine.splits[0]?.labels ?? [])]).toEqual(fixture.train.labels);
    expect(Buffer.from(fine.splits[1]?.images ?? []).equals(Buffer.from(fixture.test.images))).toBe(true);
    const coarse = await readCifar100Dataset(fixture.folder, 'coarse', context);
    expect(coarse.classNames).toHaveLength(20);
    expect(coarse.classNames[3]).toBe('coarse_3');
    expect([...(coarse.splits[1]?.labels ?? [])]).toEqual(fixture.test.coarse);
  });

  it('rejects a record count that is not a whole number (3,074-byte records)', async () => {
    const fixture = writeCifar100(folder.path, { trainCount: 5, testCount: 5 });
    const file = path.join(fixture.folder, 'train.bin');
    truncateSync(file, 3074 * 4 + 1);
    await expect(readCifar100Dataset(fixture.folder, 'fine', context)).rejects.toThrow(
      /train\.bin is 12,297 bytes long, which is not a whole number of 3,074-byte records/,
    );
  });

  it('rejects a fine label of 100 or more', async () => {
    const fixture = writeCifar100(folder.path, { trainCount: 5, testCount: 5 });
    const file = path.join(fixture.folder, 'test.bin');
    const bytes = readFileSync(file);
    bytes[1] = 100;
    writeFileSync(file, bytes);
    await expect(readCifar100Dataset(fixture.folder, 'fine', context)).rejects.toThrow(
      `${file}: record 0 has label 100, outside the 100 classes (0..99).`,
    );
  });

  it('rejects a label-names file with the wrong number of names', async () => {
    const fixture = writeCifar100(folder.path, { trainCount: 5, testCount: 5 });
    const file = path.join(fixture.folder, 'coarse_label_names.txt');
    writeFileSync(file, 'a\nb\n');
    await expect(readCifar100Dataset(fixture.folder, 'coarse', context)).rejects.toThrow(
      `${file} lists 2 class names; expected 20, one per line.`,
    );
  });
});
