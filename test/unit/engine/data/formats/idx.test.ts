import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  DatasetLayoutError,
} from '../../../../../src-main/engine/data/formats/errors.js';
import { readIdxDataset } from '../../../../../src-main/engine/data/formats/idx.js';
import { encodeIdx, writeIdx } from '../../../../fixtures/datasets/idx.js';
import { temporaryFolder } from '../../../../fixtures/datasets/temp.js';

const context = { progress: () => undefined };
let folder: { path: string; remove: () => void };
beforeEach(() => (folder = temporaryFolder('idx')));
afterEach(() => folder.remove());

describe('IDX reader', () => {
  it.each([true, false])('reads images and labels (gzip %s) into train and test splits', async (gzip) => {
    const fixture = writeIdx(folder.path, { trainCount: 30, testCount: 12, rows: 28, columns: 20, gzip });
    const dataset = await readIdxDataset(folder.path, {}, context);
    expect(dataset.shape).toEqual([28, 20, 1]);
    const train = dataset.splits.find((split) => split.name === 'train');
    const test = dataset.splits.find((split) => split.name === 'test');
    expect(train?.count).toBe(30);
    expect(test?.count).toBe(12);
    expect(Buffer.from(train?.images ?? []).equals(Buffer.from(fixture.train.images))).toBe(true);
    expect([...(test?.labels ?? [])]).toEqual(fixture.test.labels);
    expect(dataset.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('reports images as the gzip files inflate, counting both splits from the start', async () => {
    writeIdx(folder.path, { trainCount: 3000, testCount: 500, gzip: true });
    const reports: [number, number, string, string][] = [];
    await readIdxDataset(
      folder.path,
      {},
      { progress: (done, total, phase, unit) => reports.push([done, total, phase, unit]) },
    );
    expect(
      reports.every(([, total, phase, unit]) => total === 3500 && phase === 'reading' && unit === 'images'),
    ).toBe(true);
    const done = reports.map(([value]) => value);
    expect(done[0]).toBe(0);
    expect(done.at(-1)).toBe(3500);
    expect(done.filter((value) => value > 0 && value < 3000).length).toBeGreaterThan(2);
    expect(done).toEqual([...done].sort((left, right) => left - right));
  });

  it('rejects a wrong magic number, naming the file, the expected and the found value', async () => {
    const fixture = writeIdx(folder.path, { gzip: false });
    writeFileSync(fixture.files.trainImages, encodeIdx([50, 28, 28], new Uint8Array(50 * 784), 0x00000903));
    await expect(readIdxDataset(folder.path, {}, context)).rejects.toThrow(
      `${fixture.files.trainImages} has magic number 0x00000903; expected 0x00000803 (unsigned bytes, 3 dimensions).`,
    );
  });

  it('rejects a labels file given where an images file is expected', async () => {
    const fixture = writeIdx(folder.path, { gzip: true });
    writeFileSync(fixture.files.testImages, readFileSync(fixture.files.testLabels));
    await expect(readIdxDataset(folder.path, {}, context)).rejects.toThrow(
      /has magic number 0x00000801; expected 0x00000803/,
    );
  });

  it('rejects a count that does not match the file length', async () => {
    const fixture = writeIdx(folder.path, { gzip: true, trainCount: 10 });
    const content = encodeIdx([10, 28, 28], new Uint8Array(9 * 784 + 100));
    writeFileSync(fixture.files.trainImages, gzipSync(content));
    const error = await readIdxDataset(folder.path, {}, context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).file).toBe(fixture.files.trainImages);
    expect((error as Error).message).toBe(
      `${fixture.files.trainImages} declares 10 items (7,856 bytes) but is 7,172 bytes long, room for 9 and a partial one.`,
    );
  });

  it('rejects images and labels of different counts', async () => {
    const fixture = writeIdx(folder.path, { gzip: false, testCount: 5 });
    writeFileSync(fixture.files.testLabels, encodeIdx([4], Uint8Array.from([1, 2, 3, 4])));
    await expect(readIdxDataset(folder.path, {}, context)).rejects.toThrow(
      `${fixture.files.testLabels} holds 4 labels but ${fixture.files.testImages} holds 5 images; they must match.`,
    );
  });

  it('rejects a label outside the given class names', async () => {
    writeIdx(folder.path, { gzip: false });
    await expect(readIdxDataset(folder.path, { classNames: ['a', 'b', 'c'] }, context)).rejects.toThrow(
      /label 3 of item 3 is outside the 3 classes \(0\.\.2\)/,
    );
  });

  it('rejects a corrupt gzip file', async () => {
    const fixture = writeIdx(folder.path, { gzip: true });
    writeFileSync(fixture.files.trainLabels, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    await expect(readIdxDataset(folder.path, {}, context)).rejects.toThrow(
      /starts like a gzip file but cannot be decompressed/,
    );
  });

  it('needs a labels file for every images file', async () => {
    writeFileSync(path.join(folder.path, 'train-images-idx3-ubyte'), encodeIdx([1, 2, 2], new Uint8Array(4)));
    await expect(readIdxDataset(folder.path, {}, context)).rejects.toBeInstanceOf(DatasetLayoutError);
  });
});
