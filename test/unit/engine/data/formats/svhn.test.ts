import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../../../../../src-main/engine/data/formats/errors.js';
import { readSvhnDataset, readSvhnFile } from '../../../../../src-main/engine/data/formats/svhn.js';
import {
  encodeHdf5MatStub,
  svhnVariables,
  writeMatFile,
  writeSvhn,
} from '../../../../fixtures/datasets/mat.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';
import { temporaryFolder } from '../../../../fixtures/datasets/temp.js';

const context = { progress: () => undefined };
const reference = fileURLToPath(
  new URL('../../../../fixtures/datasets/reference/svhn-scipy.mat', import.meta.url),
);
let folder: { path: string; remove: () => void };
beforeEach(() => (folder = temporaryFolder('svhn')));
afterEach(() => folder.remove());

describe('SVHN MAT reader', () => {
  it('reads a compressed MAT file written by SciPy, column-major X into NHWC, y 10 into 0', async () => {
    const { split, height, width, channels } = await readSvhnFile(reference, 'train');
    expect([height, width, channels, split.count]).toEqual([32, 32, 3, 4]);
    expect([...split.labels]).toEqual([0, 1, 2, 3]);
    for (const [row, column, channel, image] of [
      [0, 0, 0, 0],
      [5, 9, 2, 3],
      [31, 1, 1, 2],
    ] as const) {
      const expected = (7 * row + 3 * column + 50 * channel + 11 * image) % 256;
      expect(split.images[image * 3072 + (row * 32 + column) * 3 + channel]).toBe(expected);
    }
  });

  it.each([true, false])('reads the SVHN layout written compressed=%s', async (compressed) => {
    const fixture = writeSvhn(folder.path, { trainCount: 12, testCount: 5, compressed });
    const dataset = await readSvhnDataset(folder.path, false, context);
    expect(dataset.splits.map((split) => [split.name, split.count])).toEqual([
      ['train', 12],
      ['test', 5],
    ]);
    expect(Buffer.from(dataset.splits[0]?.images ?? []).equals(Buffer.from(fixture.train.images))).toBe(true);
    expect([...(dataset.splits[1]?.labels ?? [])]).toEqual(fixture.test.labels);
  });

  it('mentions extra_32x32.mat only when the folder holds it', async () => {
    writeSvhn(folder.path, { trainCount: 4, testCount: 2 });
    const without = await readSvhnDataset(folder.path, false, context);
    expect(without.notes.join(' ')).not.toContain('extra');
    writeMatFile(path.join(folder.path, 'extra_32x32.mat'), svhnVariables(seededBytes(5, 3072), [1]), true);
    const beside = await readSvhnDataset(folder.path, false, context);
    expect(beside.notes).toContain(
      'extra_32x32.mat is in the folder but was not imported: the extra split is left out unless asked for.',
    );
    const included = await readSvhnDataset(folder.path, true, context);
    expect(included.notes.join(' ')).not.toContain('extra');
    expect(included.splits.map((split) => split.name)).toEqual(['train', 'test', 'extra']);
  });

  it('decodes y stored as int32 as well as double', async () => {
    const images = seededBytes(3, 2 * 3072);
    const [x] = svhnVariables(images, [4, 0]);
    const y = Buffer.alloc(8);
    y.writeInt32LE(4, 0);
    y.writeInt32LE(10, 4);
    const file = path.join(folder.path, 'train_32x32.mat');
    if (x === undefined) throw new Error('the fixture has X');
    writeMatFile(file, [x, { name: 'y', dataType: 'int32', dimensions: [2, 1], data: y }], true);
    const { split } = await readSvhnFile(file, 'train');
    expect([...split.labels]).toEqual([4, 0]);
  });

  it('explains that a v7.3 (HDF5) MAT file must be saved again with -v7', async () => {
    const file = path.join(folder.path, 'train_32x32.mat');
    writeFileSync(file, encodeHdf5MatStub());
    await expect(readSvhnFile(file, 'train')).rejects.toThrow(
      `${file} is a MATLAB v7.3 (HDF5) MAT file, which import cannot read. Open it in MATLAB or Octave and save it again with save(..., '-v7').`,
    );
  });

  it.each(['X', 'y'])('rejects a MAT file without %s, listing what it holds', async (missing) => {
    const file = path.join(folder.path, 'train_32x32.mat');
    const variables = svhnVariables(seededBytes(1, 3072), [1]).filter(
      (variable) => variable.name !== missing,
    );
    writeMatFile(file, variables, true);
    const error = await readSvhnFile(file, 'train').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).file).toBe(file);
    expect((error as Error).message).toMatch(
      new RegExp(`has no variable ${missing} .*; it holds ${missing === 'X' ? 'y' : 'X'}\\.$`),
    );
  });

  it('rejects X and y of different lengths', async () => {
    const file = path.join(folder.path, 'train_32x32.mat');
    const [x] = svhnVariables(seededBytes(1, 3 * 3072), [1, 2, 3]);
    const y = Buffer.alloc(16);
    y.writeDoubleLE(1, 0);
    y.writeDoubleLE(2, 8);
    if (x === undefined) throw new Error('the fixture has X');
    writeMatFile(file, [x, { name: 'y', dataType: 'float64', dimensions: [2, 1], data: y }], false);
    await expect(readSvhnFile(file, 'train')).rejects.toThrow(
      `${file}: X holds 3 images but y holds 2 labels; they must match.`,
    );
  });

  it('rejects a label outside 1..10', async () => {
    const file = path.join(folder.path, 'train_32x32.mat');
    writeMatFile(file, svhnVariables(seededBytes(1, 2 * 3072), [1, 11]), true);
    await expect(readSvhnFile(file, 'train')).rejects.toThrow(
      `${file}: label y(2) is 11, outside the SVHN digits 1..10 (10 meaning 0).`,
    );
  });

  it('rejects a file that is not a MAT file and a truncated one', async () => {
    const text = path.join(folder.path, 'train_32x32.mat');
    writeFileSync(text, 'hello, this is not MATLAB');
    await expect(readSvhnFile(text, 'train')).rejects.toThrow(/is not a MATLAB level-5 MAT file/);
    writeMatFile(text, svhnVariables(seededBytes(1, 3072), [1]), false);
    const bytes = readFileSync(text);
    writeFileSync(text, bytes.subarray(0, bytes.length - 40));
    await expect(readSvhnFile(text, 'train')).rejects.toThrow(
      /is not a valid MAT file: an element at byte \d+ declares \d+ bytes but only \d+ remain/,
    );
  });
});
