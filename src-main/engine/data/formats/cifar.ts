import * as path from 'node:path';
import type { DecodedDataset, ReadContext } from './types.js';
import { DatasetFormatError, DatasetLayoutError } from './errors.js';
import { checkDecodedBytes, limitsOf } from './limits.js';
import {
  countIgnoredFiles,
  formatCount,
  listFolder,
  readSourceFile,
  statSource,
  throwIfCancelled,
} from './source-files.js';

const side = 32;
const pixelsPerPlane = side * side;
const pixelBytes = 3 * pixelsPerPlane;

/** The official CIFAR-10 class names, used when batches.meta.txt is missing. */
export const cifar10ClassNames = [
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

const cifar10BatchPattern = /^data_batch_(\d+)\.bin$/;

/** The files of a CIFAR-10 binary folder, in reading order. */
export interface Cifar10Files {
  readonly trainFiles: readonly string[];
  readonly testFile: string;
  readonly metaFile: string | undefined;
}

/** Lists the batch files of a `cifar-10-batches-bin` folder, checking that train and test are there. */
export async function findCifar10Files(folder: string): Promise<Cifar10Files> {
  const names = (await listFolder(folder)).filter((entry) => entry.isFile()).map((entry) => entry.name);
  const trainFiles = names
    .filter((name) => cifar10BatchPattern.test(name))
    .sort((left, right) => batchNumber(left) - batchNumber(right))
    .map((name) => path.join(folder, name));
  if (trainFiles.length === 0) {
    throw new DatasetLayoutError(
      folder,
      `${folder} holds no training batches: expected data_batch_1.bin .. data_batch_5.bin.`,
    );
  }
  if (!names.includes('test_batch.bin')) {
    throw new DatasetLayoutError(
      folder,
      `${folder} has no test batch: expected test_batch.bin beside the training batches.`,
    );
  }
  return {
    trainFiles,
    testFile: path.join(folder, 'test_batch.bin'),
    metaFile: names.includes('batches.meta.txt') ? path.join(folder, 'batches.meta.txt') : undefined,
  };
}

function batchNumber(name: string): number {
  return Number(cifar10BatchPattern.exec(name)?.[1] ?? 0);
}

/** Reads a label-names file: one name per line, blank lines ignored. */
export async function readClassNamesFile(file: string, expectedCount: number): Promise<string[]> {
  const text = (await readSourceFile(file)).toString('utf8');
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== expectedCount) {
    throw new DatasetFormatError(
      file,
      `${file} lists ${names.length} class names; expected ${expectedCount}, one per line.`,
    );
  }
  return names;
}

/** Checks a CIFAR file's length against its record size and returns the record count. */
function recordCount(file: string, length: number, recordBytes: number): number {
  if (length < recordBytes) {
    throw new DatasetFormatError(
      file,
      `${file} is truncated: it is ${formatCount(length)} bytes long, less than one ${formatCount(recordBytes)}-byte record.`,
    );
  }
  if (length % recordBytes !== 0) {
    const whole = Math.floor(length / recordBytes);
    throw new DatasetFormatError(
      file,
      `${file} is ${formatCount(length)} bytes long, which is not a whole number of ${formatCount(recordBytes)}-byte records (${formatCount(whole)} records and ${formatCount(length - whole * recordBytes)} bytes left over); the file is truncated or not a CIFAR batch.`,
    );
  }
  return length / recordBytes;
}

/**
 * Copies records into NHWC pixels and labels. A record is `labelOffset` label bytes then R, G, B planes
 * of 32x32, row-major; `labelIndex` picks which label byte is the class.
 */
function decodeRecords(
  file: string,
  buffer: Uint8Array,
  recordBytes: number,
  labelIndex: number,
  classCount: number,
  images: Uint8Array,
  labels: Uint16Array,
  firstImage: number,
): void {
  const count = buffer.length / recordBytes;
  const pixelOffset = recordBytes - pixelBytes;
  for (let record = 0; record < count; record += 1) {
    const start = record * recordBytes;
    const label = buffer[start + labelIndex] ?? 0;
    if (label >= classCount) {
      throw new DatasetFormatError(
        file,
        `${file}: record ${formatCount(record)} has label ${label}, outside the ${classCount} classes (0..${classCount - 1}).`,
      );
    }
    labels[firstImage + record] = label;
    const planes = start + pixelOffset;
    let target = (firstImage + record) * pixelBytes;
    for (let pixel = 0; pixel < pixelsPerPlane; pixel += 1) {
      images[target] = buffer[planes + pixel] ?? 0;
      images[target + 1] = buffer[planes + pixelsPerPlane + pixel] ?? 0;
      images[target + 2] = buffer[planes + 2 * pixelsPerPlane + pixel] ?? 0;
      target += 3;
    }
  }
}

async function readRecordFiles(
  files: readonly string[],
  recordBytes: number,
  labelIndex: number,
  classCount: number,
  context: ReadContext,
  progressOffset: { done: number; total: number },
  checkEqualBatches: boolean,
): Promise<{ images: Uint8Array; labels: Uint16Array; count: number }> {
  const counts: number[] = [];
  for (const file of files) counts.push(recordCount(file, (await statSource(file)).size, recordBytes));
  if (checkEqualBatches) {
    const largest = Math.max(...counts);
    files.forEach((file, index) => {
      const count = counts[index] ?? 0;
      if (count < largest) {
        throw new DatasetFormatError(
          file,
          `${file} holds ${formatCount(count)} records where the other training batches hold ${formatCount(largest)}: it looks truncated.`,
        );
      }
    });
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  const images = new Uint8Array(total * pixelBytes);
  const labels = new Uint16Array(total);
  let first = 0;
  for (const [index, file] of files.entries()) {
    throwIfCancelled(context.signal, file);
    const buffer = await readSourceFile(file);
    const count = counts[index] ?? 0;
    if (buffer.length !== count * recordBytes) {
      throw new DatasetFormatError(file, `${file} changed while it was being read.`);
    }
    decodeRecords(file, buffer, recordBytes, labelIndex, classCount, images, labels, first);
    first += count;
    progressOffset.done += count;
    context.progress(progressOffset.done, progressOffset.total, 'reading', 'images');
  }
  return { images, labels, count: total };
}

async function totalRecords(files: readonly string[], recordBytes: number): Promise<number> {
  let total = 0;
  for (const file of files) total += Math.floor((await statSource(file)).size / recordBytes);
  return total;
}

/** Reads a `cifar-10-batches-bin` folder: data_batch_1..5.bin into train, test_batch.bin into test. */
export async function readCifar10Dataset(folder: string, context: ReadContext): Promise<DecodedDataset> {
  const files = await findCifar10Files(folder);
  const notes: string[] = [];
  let classNames = cifar10ClassNames;
  if (files.metaFile === undefined) {
    notes.push('batches.meta.txt is missing; the official CIFAR-10 class names are used.');
  } else {
    classNames = await readClassNamesFile(files.metaFile, cifar10ClassNames.length);
  }
  const recordBytes = 1 + pixelBytes;
  const progress = { done: 0, total: await totalRecords([...files.trainFiles, files.testFile], recordBytes) };
  checkDecodedBytes(
    folder,
    `holds ${formatCount(progress.total)} images`,
    progress.total * pixelBytes,
    limitsOf(context),
  );
  const train = await readRecordFiles(
    files.trainFiles,
    recordBytes,
    0,
    classNames.length,
    context,
    progress,
    true,
  );
  const test = await readRecordFiles(
    [files.testFile],
    recordBytes,
    0,
    classNames.length,
    context,
    progress,
    false,
  );
  const sources = [
    ...files.trainFiles,
    files.testFile,
    ...(files.metaFile === undefined ? [] : [files.metaFile]),
  ];
  return {
    format: 'cifar10',
    classNames,
    shape: [side, side, 3],
    splits: [
      { name: 'train', ...train },
      { name: 'test', ...test },
    ],
    sources,
    unreadableFiles: [],
    ignoredFileCount: await countIgnoredFiles(folder, sources),
    sizeSpread: [{ width: side, height: side, channels: 3, count: train.count + test.count }],
    notes,
  };
}

/** Which CIFAR-100 label a dataset is built on. */
export type Cifar100LabelKind = 'fine' | 'coarse';

/** Reads a `cifar-100-binary` folder (train.bin, test.bin and the label-name files). */
export async function readCifar100Dataset(
  folder: string,
  labelKind: Cifar100LabelKind,
  context: ReadContext,
): Promise<DecodedDataset> {
  const names = (await listFolder(folder)).filter((entry) => entry.isFile()).map((entry) => entry.name);
  for (const required of ['train.bin', 'test.bin']) {
    if (!names.includes(required)) {
      throw new DatasetLayoutError(
        folder,
        `${folder} has no ${required}: expected train.bin and test.bin of CIFAR-100.`,
      );
    }
  }
  const namesFile = path.join(folder, `${labelKind}_label_names.txt`);
  if (!names.includes(`${labelKind}_label_names.txt`)) {
    throw new DatasetLayoutError(
      folder,
      `${folder} has no ${labelKind}_label_names.txt: it is needed to name the ${labelKind} CIFAR-100 classes.`,
    );
  }
  const classNames = await readClassNamesFile(namesFile, labelKind === 'fine' ? 100 : 20);
  const trainFile = path.join(folder, 'train.bin');
  const testFile = path.join(folder, 'test.bin');
  const recordBytes = 2 + pixelBytes;
  const labelIndex = labelKind === 'fine' ? 1 : 0;
  const progress = { done: 0, total: await totalRecords([trainFile, testFile], recordBytes) };
  checkDecodedBytes(
    folder,
    `holds ${formatCount(progress.total)} images`,
    progress.total * pixelBytes,
    limitsOf(context),
  );
  const train = await readRecordFiles(
    [trainFile],
    recordBytes,
    labelIndex,
    classNames.length,
    context,
    progress,
    false,
  );
  const test = await readRecordFiles(
    [testFile],
    recordBytes,
    labelIndex,
    classNames.length,
    context,
    progress,
    false,
  );
  const sources = [trainFile, testFile, namesFile];
  return {
    format: 'cifar100',
    classNames,
    shape: [side, side, 3],
    splits: [
      { name: 'train', ...train },
      { name: 'test', ...test },
    ],
    sources,
    unreadableFiles: [],
    ignoredFileCount: await countIgnoredFiles(folder, sources),
    sizeSpread: [{ width: side, height: side, channels: 3, count: train.count + test.count }],
    notes: [`CIFAR-100 ${labelKind} labels (${classNames.length} classes).`],
  };
}
