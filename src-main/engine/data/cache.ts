import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as fsSync from 'node:fs';
import * as path from 'node:path';
import type { ImageShape, ImageSplit } from './types.js';
import type { DecodedSplit, SplitName } from './formats/types.js';
import { datasetFormats, splitNames } from './formats/types.js';
import { DatasetFormatError } from './formats/errors.js';
import {
  datasetManifestSchema,
  healthReportSchema,
  type DatasetManifest,
  type HealthReport,
} from '../../../src-shared/contracts/dataset-manifest.js';

export type {
  CachedSplitEntry,
  CrossSplitDuplicates,
  DatasetManifest,
  DuplicateExample,
  HealthReport,
  SplitDuplicates,
} from '../../../src-shared/contracts/dataset-manifest.js';

/** Version of the cache layout; a cache of another version is refused rather than misread. */
export const cacheVersion = 1;
export const manifestFileName = 'manifest.json';
export const healthFileName = 'health.json';

/** File names of a split's pixels and labels inside the cache folder. */
export function splitFileNames(split: SplitName): { imagesFile: string; labelsFile: string } {
  return { imagesFile: `${split}-images.u8`, labelsFile: `${split}-labels.u16le` };
}

function labelBytes(labels: Uint16Array): Uint8Array {
  // Labels are stored little-endian whatever the host, so a cache moves between machines.
  const bytes = new Uint8Array(labels.length * 2);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < labels.length; index += 1) view.setUint16(index * 2, labels[index] ?? 0, true);
  return bytes;
}

/** SHA-256 over the class names, shape and every split's pixels and labels, in split order. */
export function computeFingerprint(
  classNames: readonly string[],
  shape: ImageShape,
  splits: readonly Pick<DecodedSplit, 'name' | 'count' | 'images' | 'labels'>[],
): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      version: cacheVersion,
      classNames,
      shape,
      splits: splits.map((split) => ({ name: split.name, count: split.count })),
    }),
  );
  for (const split of splits) {
    hash.update(split.images);
    hash.update(labelBytes(split.labels));
  }
  return hash.digest('hex');
}

/** Opens a cache file for writing; the import's tests pass one that fails the way a full disk does. */
export type OpenForWriting = (file: string) => Promise<FileHandle>;

/** How the cache files are written: where they are opened, and who hears of the bytes written. */
export interface CacheWriteOptions {
  readonly openForWriting?: OpenForWriting | undefined;
  readonly onBytes?: ((bytes: number) => void) | undefined;
}

const writeSliceBytes = 16 * 1024 * 1024;

async function writeDurably(file: string, data: Uint8Array, options: CacheWriteOptions): Promise<void> {
  const handle = await (options.openForWriting ?? ((name: string) => fs.open(name, 'w')))(file);
  try {
    for (let offset = 0; offset < data.length; offset += writeSliceBytes) {
      const length = Math.min(writeSliceBytes, data.length - offset);
      let written = 0;
      while (written < length) {
        const { bytesWritten } = await handle.write(data, offset + written, length - written);
        written += bytesWritten;
      }
      options.onBytes?.(length);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The bytes writeCacheFiles writes for these splits, not counting the two small JSON files. */
export function cacheBytes(splits: readonly Pick<DecodedSplit, 'images' | 'count'>[]): number {
  return splits.reduce((sum, split) => sum + split.images.length + split.count * 2, 0);
}

/** Writes the pixels, labels, health report and manifest of a dataset into `directory` (which exists). */
export async function writeCacheFiles(
  directory: string,
  manifest: DatasetManifest,
  health: HealthReport,
  splits: readonly DecodedSplit[],
  options: CacheWriteOptions = {},
): Promise<void> {
  for (const split of splits) {
    const entry = manifest.splits.find((candidate) => candidate.name === split.name);
    if (entry === undefined) throw new Error(`manifest has no entry for split ${split.name}`);
    await writeDurably(path.join(directory, entry.imagesFile), split.images, options);
    await writeDurably(path.join(directory, entry.labelsFile), labelBytes(split.labels), options);
  }
  const json = (value: unknown): Uint8Array => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  await writeDurably(path.join(directory, manifest.healthFile), json(health), options);
  await writeDurably(path.join(directory, manifestFileName), json(manifest), options);
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetFormatError(file, `${file} is not valid JSON: ${detail}.`);
  }
}

function readText(file: string): string {
  try {
    return fsSync.readFileSync(file, 'utf8');
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetFormatError(file, `${file} cannot be read: ${detail}.`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCountArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => Number.isInteger(item) && (item as number) >= 0);
}

/** The columns a dataset list shows, read off its manifest. */
export interface CachedDatasetFacts {
  readonly name: string;
  readonly format: string;
  readonly fingerprint: string;
  readonly imageHeight: number;
  readonly imageWidth: number;
  readonly channels: number;
  readonly classCount: number;
  readonly trainCount: number;
  readonly testCount: number;
}

/** Summarises a manifest as the store records a dataset. */
export function cachedDatasetFacts(manifest: DatasetManifest): CachedDatasetFacts {
  const count = (split: SplitName): number =>
    manifest.splits.find((entry) => entry.name === split)?.count ?? 0;
  return {
    name: manifest.name,
    format: manifest.format,
    fingerprint: manifest.fingerprint,
    imageHeight: manifest.shape[0],
    imageWidth: manifest.shape[1],
    channels: manifest.shape[2],
    classCount: manifest.classNames.length,
    trainCount: count('train'),
    testCount: count('test'),
  };
}

/** Reads and checks a cache's manifest.json. */
export function readManifest(directory: string): DatasetManifest {
  const file = path.join(directory, manifestFileName);
  const value = parseJson(file, readText(file));
  const problem = (what: string): never => {
    throw new DatasetFormatError(file, `${file} is not a dataset manifest: ${what}.`);
  };
  if (!isRecord(value)) return problem('expected a JSON object');
  if (value.version !== cacheVersion)
    return problem(`version ${String(value.version)}, expected ${cacheVersion}`);
  if (!(datasetFormats as readonly unknown[]).includes(value.format))
    return problem(`unknown format ${String(value.format)}`);
  const classNames = value.classNames;
  if (
    !Array.isArray(classNames) ||
    classNames.length === 0 ||
    !classNames.every((name) => typeof name === 'string')
  ) {
    return problem('classNames must be a non-empty list of names');
  }
  const shape = value.shape;
  if (!isCountArray(shape) || shape.length !== 3 || shape.some((size) => size === 0)) {
    return problem('shape must be [height, width, channels] of positive integers');
  }
  const splits = value.splits;
  if (!Array.isArray(splits) || splits.length === 0) return problem('splits must be a non-empty list');
  for (const split of splits) {
    if (
      !isRecord(split) ||
      !(splitNames as readonly unknown[]).includes(split.name) ||
      !Number.isInteger(split.count) ||
      !isCountArray(split.countsPerClass) ||
      typeof split.imagesFile !== 'string' ||
      typeof split.labelsFile !== 'string' ||
      path.basename(split.imagesFile) !== split.imagesFile ||
      path.basename(split.labelsFile) !== split.labelsFile
    ) {
      return problem('a split entry lacks name, count, countsPerClass, imagesFile or labelsFile');
    }
  }
  if (typeof value.fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(value.fingerprint)) {
    return problem('fingerprint must be a SHA-256 hex digest');
  }
  const statistics = value.statistics;
  if (!isRecord(statistics) || !Array.isArray(statistics.mean) || !Array.isArray(statistics.std)) {
    return problem('statistics must hold mean and std');
  }
  const parsed = datasetManifestSchema.safeParse(value);
  if (!parsed.success) return problem(firstProblem(parsed.error));
  return parsed.data;
}

function firstProblem(error: {
  readonly issues: readonly { path: PropertyKey[]; message: string }[];
}): string {
  const issue = error.issues[0];
  return issue === undefined
    ? 'not as expected'
    : `${issue.path.join('.') || '(the whole file)'}: ${issue.message}`;
}

/** Reads a cache's health.json. */
export function readHealthReport(directory: string): HealthReport {
  const manifest = readManifest(directory);
  const file = path.join(directory, manifest.healthFile);
  const value = parseJson(file, readText(file));
  if (!isRecord(value) || value.version !== cacheVersion || !Array.isArray(value.countsPerClass)) {
    throw new DatasetFormatError(file, `${file} is not a health report of cache version ${cacheVersion}.`);
  }
  const parsed = healthReportSchema.safeParse(value);
  if (!parsed.success) {
    throw new DatasetFormatError(
      file,
      `${file} is not a dataset health report: ${firstProblem(parsed.error)}.`,
    );
  }
  return parsed.data;
}

function readExactly(file: string, expectedBytes: number): Uint8Array {
  let descriptor: number;
  try {
    descriptor = fsSync.openSync(file, 'r');
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetFormatError(file, `${file} cannot be opened: ${detail}.`);
  }
  try {
    const size = fsSync.fstatSync(descriptor).size;
    if (size !== expectedBytes) {
      throw new DatasetFormatError(
        file,
        `${file} is ${size} bytes long; the manifest says ${expectedBytes}.`,
      );
    }
    // An ArrayBuffer of our own keeps the data aligned for the Uint16Array view of the labels.
    const bytes = new Uint8Array(new ArrayBuffer(expectedBytes));
    let offset = 0;
    while (offset < expectedBytes) {
      const read = fsSync.readSync(descriptor, bytes, offset, expectedBytes - offset, offset);
      if (read === 0)
        throw new DatasetFormatError(file, `${file} ended after ${offset} of ${expectedBytes} bytes.`);
      offset += read;
    }
    return bytes;
  } finally {
    fsSync.closeSync(descriptor);
  }
}

function hostIsLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Loads one split of an imported dataset for the trainer: one read of the pixels, one of the labels. */
export function loadCachedSplit(directory: string, split: SplitName): ImageSplit {
  const manifest = readManifest(directory);
  const entry = manifest.splits.find((candidate) => candidate.name === split);
  if (entry === undefined) {
    const available = manifest.splits.map((candidate) => candidate.name).join(', ');
    throw new DatasetFormatError(
      path.join(directory, manifestFileName),
      `${path.join(directory, manifestFileName)} has no ${split} split; it has ${available}.`,
    );
  }
  const [height, width, channels] = manifest.shape;
  const images = readExactly(path.join(directory, entry.imagesFile), entry.count * height * width * channels);
  const labelFile = path.join(directory, entry.labelsFile);
  const rawLabels = readExactly(labelFile, entry.count * 2);
  let labels = new Uint16Array(rawLabels.buffer, 0, entry.count);
  if (!hostIsLittleEndian()) {
    const view = new DataView(rawLabels.buffer);
    labels = Uint16Array.from({ length: entry.count }, (_, index) => view.getUint16(index * 2, true));
  }
  for (let index = 0; index < entry.count; index += 1) {
    if ((labels[index] ?? 0) >= manifest.classNames.length) {
      throw new DatasetFormatError(
        labelFile,
        `${labelFile}: label ${labels[index]} of image ${index} is outside the ${manifest.classNames.length} classes.`,
      );
    }
  }
  return { images, labels, count: entry.count, shape: manifest.shape, classNames: manifest.classNames };
}

/** Recomputes a cache's fingerprint from its files; true when it matches the manifest. */
export function verifyCache(directory: string): boolean {
  const manifest = readManifest(directory);
  const splits = manifest.splits.map((entry) => ({
    name: entry.name,
    ...loadCachedSplit(directory, entry.name),
  }));
  return computeFingerprint(manifest.classNames, manifest.shape, splits) === manifest.fingerprint;
}
