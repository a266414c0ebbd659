import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../../../../../src-main/engine/data/formats/errors.js';
import { importDataset } from '../../../../../src-main/engine/data/import/import-dataset.js';
import { gzipBomb, matBomb, pngBomb } from '../../../../fixtures/datasets/bombs.js';
import { writeClassFolders } from '../../../../fixtures/datasets/images.js';
import { encodeIdx } from '../../../../fixtures/datasets/idx.js';
import { svhnVariables, writeMatFile } from '../../../../fixtures/datasets/mat.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';
import { listAll, temporaryFolder } from '../../../../fixtures/datasets/temp.js';

/** Far more than a bounded import needs for these small datasets, far less than the bombs inflate to. */
const memoryGrowthLimit = 200 * 1024 * 1024;

let scratch: { path: string; remove: () => void };
let sources: string;
let home: string;
beforeEach(() => {
  scratch = temporaryFolder('hostile');
  sources = path.join(scratch.path, 'sources');
  home = path.join(scratch.path, 'home', 'datasets');
  mkdirSync(sources);
  mkdirSync(home, { recursive: true });
});
afterEach(() => scratch.remove());

interface MeasuredImport {
  readonly ok: boolean;
  readonly name?: string;
  readonly file?: string;
  readonly message?: string;
  readonly unreadableFiles?: readonly { file: string; reason: string; detail?: string }[];
  readonly peakGrowthBytes: number;
}

/** Imports in a fresh process, whose peak memory is this import's alone. */
function importMeasured(source: string): MeasuredImport {
  const script = fileURLToPath(
    new URL('../../../../fixtures/datasets/import-measured-child.ts', import.meta.url),
  );
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', script, source, path.join(home, 'dataset-1')],
    {
      cwd: fileURLToPath(new URL('../../../../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as MeasuredImport;
}

function writeIdxLabels(count: number): void {
  const labels = Uint8Array.from({ length: count }, (_, index) => index % 10);
  writeFileSync(path.join(sources, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([count], labels)));
}

describe('decompression bombs are refused with bounded memory, naming the file', () => {
  it('a 1.6 MB .gz whose IDX header declares 60,000 images of 28x28 but which inflates to 1.6 GB', () => {
    const images = path.join(sources, 'train-images-idx3-ubyte.gz');
    const header = encodeIdx([60_000, 28, 28], new Uint8Array(0));
    writeFileSync(images, gzipBomb(header, 1600));
    writeIdxLabels(60_000);
    const outcome = importMeasured(sources);
    expect(outcome).toMatchObject({ ok: false, name: 'DatasetFormatError', file: images });
    expect(outcome.message).toBe(
      `${images} decompresses to more than the 47,040,016 bytes its header declares (60,000 images of 28x28); the file is damaged or built to exhaust memory, and was not read further.`,
    );
    expect(outcome.peakGrowthBytes).toBeLessThan(memoryGrowthLimit);
    expect(listAll(home)).toEqual([]);
  });

  it('a MAT file whose compressed element declares 3,072 bytes but inflates to 1 GiB', () => {
    const train = path.join(sources, 'train_32x32.mat');
    writeFileSync(train, matBomb(3072, 1024));
    const outcome = importMeasured(sources);
    expect(outcome).toMatchObject({ ok: false, name: 'DatasetFormatError', file: train });
    expect(outcome.message).toContain(
      `${train} decompresses to more than the 3,080 bytes its header declares (a variable of 3,072 bytes)`,
    );
    expect(outcome.peakGrowthBytes).toBeLessThan(memoryGrowthLimit);
    expect(listAll(home)).toEqual([]);
  });

  it('a PNG whose 32x32x3 IDAT inflates to 1 GiB is listed as unreadable; the rest imports', () => {
    writeClassFolders(sources, [
      { name: 'cat', count: 3 },
      { name: 'dog', count: 3 },
    ]);
    const bomb = path.join(sources, 'cat', 'bomb.png');
    writeFileSync(bomb, pngBomb(32, 32, 1024));
    const outcome = importMeasured(sources);
    expect(outcome.ok).toBe(true);
    expect(outcome.unreadableFiles).toEqual([
      {
        file: bomb,
        reason:
          'this file is not a valid PNG: its pixel data decompresses to far more than its size allows (a damaged file or a decompression bomb)',
        detail: 'its pixel data decompresses to more than the 32x32x3 image its header declares',
      },
    ]);
    expect(outcome.peakGrowthBytes).toBeLessThan(memoryGrowthLimit);
  });
});

describe('what a header declares is checked against the memory limit before anything is inflated', () => {
  const limits = { maximumDecodedBytes: 10_000_000 };

  it('an IDX file declaring more images than the limit allows', async () => {
    const images = path.join(sources, 'train-images-idx3-ubyte.gz');
    writeFileSync(images, gzipBomb(encodeIdx([60_000, 28, 28], new Uint8Array(0)), 1));
    writeIdxLabels(60_000);
    const error = await importDataset(
      { source: sources, target: path.join(home, 'dataset-1') },
      { limits },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as DatasetFormatError).file).toBe(images);
    expect((error as Error).message).toBe(
      `${images} declares 60,000 images of 28x28, 47 MB once decoded, more than the 10 MB an import may hold in memory on this machine.`,
    );
    expect(listAll(home)).toEqual([]);
  });

  it('a MAT file whose compressed element declares more than the limit', async () => {
    const train = path.join(sources, 'train_32x32.mat');
    writeFileSync(train, matBomb(4_000_000_000, 1));
    const error = await importDataset(
      { source: sources, target: path.join(home, 'dataset-1') },
      { limits },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as Error).message).toBe(
      `${train} declares a variable of 4,000,000,000 bytes, 4,000 MB once decompressed, more than the 10 MB an import may decompress from one file on this machine.`,
    );
  });

  it('a valid compressed MAT file within the limit still imports', async () => {
    const count = 20;
    const labels = Array.from({ length: count }, (_, index) => index % 10);
    const variables = svhnVariables(seededBytes(3, count * 3072), labels);
    writeMatFile(path.join(sources, 'train_32x32.mat'), variables, true);
    const result = await importDataset(
      { source: sources, target: path.join(home, 'dataset-1') },
      { limits: { maximumDecodedBytes: 1_000_000 } },
    );
    expect(result.manifest.splits.reduce((sum, split) => sum + split.count, 0)).toBe(count);
  });
});
