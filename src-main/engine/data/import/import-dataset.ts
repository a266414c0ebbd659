import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageShape } from '../types.js';
import type {
  DatasetFormat,
  DecodedDataset,
  DecodedSplit,
  DetectedDataset,
  ReadContext,
} from '../formats/types.js';
import { splitNames } from '../formats/types.js';
import type { DatasetManifest, HealthReport } from '../cache.js';
import {
  cacheVersion,
  computeFingerprint,
  healthFileName,
  splitFileNames,
  writeCacheFiles,
} from '../cache.js';
import { readCifar10Dataset, readCifar100Dataset } from '../formats/cifar.js';
import { detectDataset, scannedLayoutOf } from '../formats/detect.js';
import { DatasetLayoutError, DatasetRequestError } from '../formats/errors.js';
import { readIdxDataset } from '../formats/idx.js';
import { readImageFolderDataset } from '../formats/image-folder.js';
import { throwIfCancelled } from '../formats/source-files.js';
import { readSvhnDataset } from '../formats/svhn.js';
import { channelStatistics, countPerClass, findDuplicates, imbalanceRatio } from './analysis.js';
import { convertSplits } from './convert.js';
import { ProgressMeter } from './progress.js';
import type { ImportProgress } from './progress.js';
import { atLeastOneEachSide, carveSplit, roundedShare } from './seeded-split.js';
import { writeThumbnails } from './thumbnails.js';

/** What to import and how. Only `source` and `target` are required. */
export interface ImportRequest {
  /** The file or folder the user picked. */
  readonly source: string;
  /** The cache folder to create, e.g. `<home>/datasets/<id>`; it must not exist yet. */
  readonly target: string;
  readonly format?: DatasetFormat | 'auto' | undefined;
  /** Display name; defaults to the source folder's name. */
  readonly name?: string | undefined;
  /** Image size (square when a number); defaults to the source size (image folders: the most common). */
  readonly size?: number | { readonly height: number; readonly width: number } | undefined;
  /** Channels to store; defaults to the source's (image folders: 3 unless every image is greyscale). */
  readonly channels?: 1 | 3 | undefined;
  /** Share of each training class carved into a validation split (0 for none, the default). */
  readonly validationFraction?: number | undefined;
  /** Share of each class carved into a test split when the source has none (default 0.2). */
  readonly testFraction?: number | undefined;
  /** Seed of the carving shuffles (default 0). */
  readonly seed?: number | undefined;
  /** CIFAR-100: fine (100 classes, default) or coarse (20) labels. */
  readonly cifar100Labels?: 'fine' | 'coarse' | undefined;
  /** SVHN: also import extra_32x32.mat as an `extra` split (default false). */
  readonly includeExtra?: boolean | undefined;
  /** IDX: names of the classes, since IDX files carry none. */
  readonly classNames?: readonly string[] | undefined;
  /** Thumbnails written per class (default 4). */
  readonly thumbnailsPerClass?: number | undefined;
}

/** How the caller follows and stops an import. */
export interface ImportOptions {
  readonly onProgress?: ((progress: ImportProgress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** A finished import: the cache folder and what was written into it. */
export interface ImportResult {
  readonly directory: string;
  readonly detected: DetectedDataset;
  readonly manifest: DatasetManifest;
  readonly health: HealthReport;
  readonly seconds: number;
}

function checkFraction(
  request: ImportRequest,
  key: 'validationFraction' | 'testFraction',
): number | undefined {
  const value = request[key];
  if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value < 1)) {
    throw new DatasetRequestError(
      request.source,
      `${key} is ${value}; expected a number from 0 up to (not including) 1.`,
    );
  }
  return value;
}

function requestedSize(request: ImportRequest): { height: number; width: number } | undefined {
  const size = request.size;
  if (size === undefined) return undefined;
  const resolved = typeof size === 'number' ? { height: size, width: size } : size;
  for (const value of [resolved.height, resolved.width]) {
    if (!Number.isInteger(value) || value < 4 || value > 1024) {
      throw new DatasetRequestError(
        request.source,
        `Image size ${value} is not allowed; expected a whole number of pixels from 4 to 1024.`,
      );
    }
  }
  return { height: resolved.height, width: resolved.width };
}

async function pathExists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch {
    return false;
  }
}

async function readDataset(
  detected: DetectedDataset,
  request: ImportRequest,
  size: { height: number; width: number } | undefined,
  context: ReadContext,
): Promise<DecodedDataset> {
  switch (detected.format) {
    case 'cifar10':
      return readCifar10Dataset(detected.root, context);
    case 'cifar100':
      return readCifar100Dataset(detected.root, request.cifar100Labels ?? 'fine', context);
    case 'svhn':
      return readSvhnDataset(detected.root, request.includeExtra === true, context);
    case 'idx':
      return readIdxDataset(detected.root, { classNames: request.classNames }, context);
    case 'folder':
    case 'cinic10':
      return readImageFolderDataset(
        detected.root,
        { format: detected.format, size, channels: request.channels },
        context,
        scannedLayoutOf(detected),
      );
  }
}

function orderSplits(splits: readonly DecodedSplit[]): DecodedSplit[] {
  return [...splits].sort((left, right) => splitNames.indexOf(left.name) - splitNames.indexOf(right.name));
}

async function fsyncFolder(folder: string): Promise<void> {
  const handle = await fs.open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Imports a dataset into a new cache folder: detects the format, decodes every split, carves test and
 * validation splits when asked, computes statistics, a fingerprint and a health report, and writes it
 * all into a temporary folder beside `target` that is renamed into place only when complete. On any
 * failure or cancellation nothing is left behind and a DatasetError (or ImportCancelledError) is thrown.
 */
export async function importDataset(
  request: ImportRequest,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const startedAt = performance.now();
  const meter = new ProgressMeter(options.onProgress);
  const signal = options.signal;
  const source = path.resolve(request.source);
  const target = path.resolve(request.target);
  const validationFraction = checkFraction(request, 'validationFraction') ?? 0;
  const testFraction = checkFraction(request, 'testFraction') ?? 0.2;
  const seed = request.seed ?? 0;
  if (!Number.isInteger(seed)) throw new DatasetRequestError(source, `Seed ${seed} is not a whole number.`);
  const thumbnailsPerClass = request.thumbnailsPerClass ?? 4;
  if (!Number.isInteger(thumbnailsPerClass) || thumbnailsPerClass < 0 || thumbnailsPerClass > 64) {
    throw new DatasetRequestError(
      source,
      `thumbnailsPerClass is ${thumbnailsPerClass}; expected a whole number from 0 to 64.`,
    );
  }
  if (request.channels !== undefined && request.channels !== 1 && request.channels !== 3) {
    throw new DatasetRequestError(source, `channels is ${String(request.channels)}; expected 1 or 3.`);
  }
  const size = requestedSize(request);
  if (await pathExists(target)) {
    throw new DatasetRequestError(
      target,
      `${target} exists already; an import writes a new folder and never overwrites one.`,
    );
  }

  meter.report('detecting', 0, 1, 'files');
  const detected = await detectDataset(source, request.format ?? 'auto', {
    cifar100Labels: request.cifar100Labels,
    includeExtra: request.includeExtra,
  });
  meter.report('detecting', 1, 1, 'files');
  throwIfCancelled(signal, source);

  const readUnit = detected.format === 'cifar10' || detected.format === 'cifar100' ? 'images' : 'files';
  const decoded = await readDataset(detected, request, size, {
    signal,
    progress: (done, total, phase) =>
      meter.report(phase, done, total, phase === 'probing' ? 'files' : readUnit),
  });
  throwIfCancelled(signal, source);

  const [sourceHeight, sourceWidth, sourceChannels] = decoded.shape;
  const shape: ImageShape = [
    size?.height ?? sourceHeight,
    size?.width ?? sourceWidth,
    request.channels ?? sourceChannels,
  ];
  let splits = await convertSplits(decoded.splits, decoded.shape, shape, signal, source, (done, total) =>
    meter.report('reading', done, total, 'images'),
  );
  const classCount = decoded.classNames.length;
  const notes = [...decoded.notes];
  const trainOf = (list: readonly DecodedSplit[]): DecodedSplit => {
    const train = list.find((split) => split.name === 'train');
    if (train === undefined)
      throw new DatasetLayoutError(detected.root, `${detected.root} yielded no training images.`);
    return train;
  };

  let carvedTest: DatasetManifest['carvedTest'] = null;
  if (!splits.some((split) => split.name === 'test')) {
    const { kept, carved } = carveSplit(
      trainOf(splits),
      classCount,
      atLeastOneEachSide(testFraction),
      seed,
      'test',
    );
    if (carved.count === 0) {
      throw new DatasetRequestError(
        source,
        `${detected.root} has no test split and testFraction ${testFraction} carves none; use a fraction above 0.`,
      );
    }
    splits = [kept, ...splits.filter((split) => split.name !== 'train'), carved];
    carvedTest = { fraction: testFraction, seed };
  }
  let validation: DatasetManifest['validation'] = null;
  if (validationFraction > 0) {
    if (splits.some((split) => split.name === 'validation')) {
      notes.push('The source has its own validation split; the validation fraction was not used.');
    } else {
      // A different seed stream from the test carve, so the two carves are independent.
      const { kept, carved } = carveSplit(
        trainOf(splits),
        classCount,
        roundedShare(validationFraction),
        seed + 1,
        'validation',
      );
      splits = [kept, ...splits.filter((split) => split.name !== 'train'), carved];
      validation = { fraction: validationFraction, seed };
    }
  }
  splits = orderSplits(splits);
  const train = trainOf(splits);

  const countsPerClass = splits.map((split) => ({
    split: split.name,
    counts: countPerClass(split, classCount),
  }));
  const trainCounts = countsPerClass.find((entry) => entry.split === 'train')?.counts ?? [];
  const statistics = channelStatistics(train, shape[2]);
  const fingerprint = computeFingerprint(decoded.classNames, shape, splits);
  throwIfCancelled(signal, source);
  const duplicates = findDuplicates(splits, (done, total) => meter.report('checking', done, total, 'images'));
  const health: HealthReport = {
    version: cacheVersion,
    classNames: decoded.classNames,
    countsPerClass,
    imbalanceRatio: imbalanceRatio(trainCounts),
    duplicates,
    unreadableFiles: decoded.unreadableFiles,
    ignoredFileCount: decoded.ignoredFileCount,
    sizeSpread: decoded.sizeSpread,
    notes,
  };
  throwIfCancelled(signal, source);

  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const temporary = path.join(parent, `.${path.basename(target)}.importing-${randomUUID()}`);
  await fs.mkdir(temporary);
  try {
    meter.report('thumbnails', 0, classCount, 'files');
    const thumbnails = await writeThumbnails(temporary, train, shape, classCount, thumbnailsPerClass);
    meter.report('thumbnails', classCount, classCount, 'files');
    throwIfCancelled(signal, source);
    const manifest: DatasetManifest = {
      version: cacheVersion,
      name: request.name ?? path.basename(detected.root),
      format: detected.format,
      sources: decoded.sources,
      importedAt: new Date().toISOString(),
      classNames: decoded.classNames,
      shape,
      splits: splits.map((split, index) => ({
        name: split.name,
        count: split.count,
        countsPerClass: countsPerClass[index]?.counts ?? [],
        ...splitFileNames(split.name),
      })),
      statistics,
      fingerprint,
      validation,
      carvedTest,
      thumbnails,
      healthFile: healthFileName,
    };
    meter.report('writing', 0, splits.length, 'files');
    await writeCacheFiles(temporary, manifest, health, splits);
    meter.report('writing', splits.length, splits.length, 'files');
    throwIfCancelled(signal, source);
    if (await pathExists(target)) {
      throw new DatasetRequestError(
        target,
        `${target} appeared while the import ran; the import was not moved over it.`,
      );
    }
    await fs.rename(temporary, target);
    await fsyncFolder(parent);
    return { directory: target, detected, manifest, health, seconds: (performance.now() - startedAt) / 1000 };
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw error;
  }
}
