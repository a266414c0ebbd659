import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import type { DecodedDataset, DecodedSplit, ReadContext, SplitName } from './types.js';
import { DatasetFormatError, DatasetLayoutError } from './errors.js';
import { inflateBounded, readLeadingBytes, startsWithGzip } from './bounded-inflate.js';
import { checkDecodedBytes, checkFileSize, defaultImportLimits, limitsOf } from './limits.js';
import type { ImportLimits } from './limits.js';
import {
  countIgnoredFiles,
  formatCount,
  listFolder,
  readSourceFile,
  statSource,
  throwIfCancelled,
} from './source-files.js';

const imagesPattern = /^(.*?)[-_.]?images[-_.]idx3[-_.]ubyte(\.gz)?$/i;
const labelsPattern = /^(.*?)[-_.]?labels[-_.]idx1[-_.]ubyte(\.gz)?$/i;
const unsignedByteType = 0x08;

const fashionMnistClassNames = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** One images file and its labels file, as found in a folder. */
export interface IdxPair {
  readonly prefix: string;
  readonly split: SplitName;
  readonly imagesFile: string;
  readonly labelsFile: string;
}

function splitOfPrefix(prefix: string): SplitName | undefined {
  const lower = prefix.toLowerCase();
  if (/(^|[-_.])(t10k|test)$/.test(lower) || lower === 't10k' || lower === 'test') return 'test';
  if (/(^|[-_.])train$/.test(lower) || lower === 'train') return 'train';
  return undefined;
}

/** Finds the images/labels pairs in a folder; throws when an images file has no labels file. */
export async function findIdxPairs(folder: string): Promise<IdxPair[]> {
  const entries = (await listFolder(folder)).filter((entry) => entry.isFile());
  const labelsByPrefix = new Map<string, string>();
  for (const entry of entries) {
    const match = labelsPattern.exec(entry.name);
    if (match) labelsByPrefix.set((match[1] ?? '').toLowerCase(), path.join(folder, entry.name));
  }
  const pairs: IdxPair[] = [];
  for (const entry of entries) {
    const match = imagesPattern.exec(entry.name);
    if (!match) continue;
    const prefix = match[1] ?? '';
    const imagesFile = path.join(folder, entry.name);
    const labelsFile = labelsByPrefix.get(prefix.toLowerCase());
    if (labelsFile === undefined) {
      throw new DatasetLayoutError(
        imagesFile,
        `${imagesFile} has no labels file beside it: expected ${prefix}-labels-idx1-ubyte[.gz] in ${folder}.`,
      );
    }
    const split = splitOfPrefix(prefix);
    if (split === undefined) {
      throw new DatasetLayoutError(
        imagesFile,
        `${imagesFile}: cannot tell which split "${prefix}" is; expected a name starting train- or t10k-/test-.`,
      );
    }
    if (pairs.some((pair) => pair.split === split)) {
      throw new DatasetLayoutError(
        folder,
        `${folder} holds more than one ${split} images file; keep one per split.`,
      );
    }
    pairs.push({ prefix, split, imagesFile, labelsFile });
  }
  return pairs;
}

interface IdxArray {
  readonly dimensions: readonly number[];
  readonly data: Uint8Array;
}

/** How one IDX file is read: the memory bound, and who hears of the bytes decompressed so far. */
export interface IdxFileOptions {
  readonly maximumBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((payloadBytes: number) => void) | undefined;
}

function headerLengthOf(dimensionCount: number): number {
  return 4 + 4 * dimensionCount;
}

/** Checks an IDX header's magic number and returns its dimensions; `header` may be short when the file is. */
function parseIdxHeader(file: string, header: Buffer, expectedDimensions: number): number[] {
  const expectedMagic = `0x000008${expectedDimensions.toString(16).padStart(2, '0')}`;
  if (header.length < 4) {
    throw new DatasetFormatError(
      file,
      `${file} is ${header.length} bytes long; an IDX file starts with a 4-byte magic number.`,
    );
  }
  const found = `0x${header.readUInt32BE(0).toString(16).padStart(8, '0')}`;
  if (
    header[0] !== 0 ||
    header[1] !== 0 ||
    header[2] !== unsignedByteType ||
    header[3] !== expectedDimensions
  ) {
    throw new DatasetFormatError(
      file,
      `${file} has magic number ${found}; expected ${expectedMagic} (unsigned bytes, ${expectedDimensions} dimension${expectedDimensions === 1 ? '' : 's'}).`,
    );
  }
  const headerLength = headerLengthOf(expectedDimensions);
  if (header.length < headerLength) {
    throw new DatasetFormatError(
      file,
      `${file} is ${header.length} bytes long; its header alone needs ${headerLength}.`,
    );
  }
  return Array.from({ length: expectedDimensions }, (_, index) => header.readUInt32BE(4 + 4 * index));
}

function describeIdx(dimensions: readonly number[]): string {
  const [count = 0, ...item] = dimensions;
  return item.length === 0
    ? `${formatCount(count)} labels`
    : `${formatCount(count)} images of ${item.join('x')}`;
}

function payloadOf(dimensions: readonly number[]): number {
  return dimensions.reduce((product, size) => product * size, 1);
}

/** Reads the dimensions an IDX file declares, decompressing only its first bytes when it is gzip. */
export async function readIdxDimensions(file: string, expectedDimensions: number): Promise<number[]> {
  const header = await readLeadingBytes(file, headerLengthOf(expectedDimensions));
  return parseIdxHeader(file, header, expectedDimensions);
}

async function readIdxBytes(
  file: string,
  expectedDimensions: number,
  options: IdxFileOptions,
): Promise<Buffer> {
  const maximumBytes = options.maximumBytes ?? defaultImportLimits().maximumDecodedBytes;
  const headerLength = headerLengthOf(expectedDimensions);
  if (await startsWithGzip(file)) {
    return inflateBounded(createReadStream(file), {
      file,
      wrapper: 'gzip',
      headerBytes: headerLength,
      declaredSize: (header) => {
        const dimensions = parseIdxHeader(file, header, expectedDimensions);
        return { bytes: headerLength + payloadOf(dimensions), what: describeIdx(dimensions) };
      },
      maximumBytes,
      signal: options.signal,
      onProgress: (inflated) => options.onProgress?.(Math.max(0, inflated - headerLength)),
    });
  }
  checkFileSize(file, (await statSource(file)).size, maximumBytes);
  return readSourceFile(file);
}

/**
 * Parses one IDX file of unsigned bytes (gzip-compressed or not), checking the magic number and the length
 * against the header; a gzip file is decompressed only up to the size its header declares.
 */
export async function readIdxFile(
  file: string,
  expectedDimensions: number,
  options: IdxFileOptions = {},
): Promise<IdxArray> {
  const buffer = await readIdxBytes(file, expectedDimensions, options);
  const dimensions = parseIdxHeader(file, buffer, expectedDimensions);
  const headerLength = headerLengthOf(expectedDimensions);
  const payload = payloadOf(dimensions);
  if (buffer.length !== headerLength + payload) {
    const count = dimensions[0] ?? 0;
    const perItem = count === 0 ? 0 : payload / count;
    const actualItems = perItem === 0 ? 0 : (buffer.length - headerLength) / perItem;
    throw new DatasetFormatError(
      file,
      `${file} declares ${formatCount(count)} items (${formatCount(headerLength + payload)} bytes) but is ${formatCount(buffer.length)} bytes long, room for ${formatCount(Math.floor(actualItems))}${Number.isInteger(actualItems) ? '' : ' and a partial one'}.`,
    );
  }
  return { dimensions, data: buffer.subarray(headerLength) };
}

/** Options of the IDX reader. */
export interface IdxReadOptions {
  /** Names of the classes; when absent, Fashion-MNIST names for a folder named like it, else "0", "1", ... */
  readonly classNames?: readonly string[] | undefined;
}

interface DecodedPair {
  readonly pair: IdxPair;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly columns: number;
}

/**
 * Reads every images file's declared dimensions first (its first bytes only), so that what the whole
 * dataset promises is checked against the memory limit before anything is decompressed, and progress can
 * count images from the start.
 */
async function declaredImages(
  folder: string,
  pairs: readonly IdxPair[],
  limits: ImportLimits,
): Promise<{ imageBytes: number[]; total: number }> {
  const counts: number[] = [];
  const imageBytes: number[] = [];
  let bytes = 0;
  for (const pair of pairs) {
    const dimensions = await readIdxDimensions(pair.imagesFile, 3);
    const [count = 0, ...item] = dimensions;
    checkDecodedBytes(pair.imagesFile, `declares ${describeIdx(dimensions)}`, payloadOf(dimensions), limits);
    counts.push(count);
    imageBytes.push(payloadOf(item));
    bytes += count * payloadOf(item);
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  checkDecodedBytes(folder, `holds IDX files of ${formatCount(total)} images in all`, bytes, limits);
  return { imageBytes, total };
}

async function readPair(
  pair: IdxPair,
  declaredImageBytes: number,
  maximumBytes: number,
  signal: AbortSignal | undefined,
  onImages: (images: number) => void,
): Promise<DecodedPair> {
  const images = await readIdxFile(pair.imagesFile, 3, {
    maximumBytes,
    signal,
    onProgress: (payloadBytes) => onImages(Math.floor(payloadBytes / Math.max(1, declaredImageBytes))),
  });
  const [count = 0, rows = 0, columns = 0] = images.dimensions;
  const labels = await readIdxFile(pair.labelsFile, 1, { maximumBytes, signal });
  const labelCount = labels.dimensions[0] ?? 0;
  if (labelCount !== count) {
    throw new DatasetFormatError(
      pair.labelsFile,
      `${pair.labelsFile} holds ${formatCount(labelCount)} labels but ${pair.imagesFile} holds ${formatCount(count)} images; they must match.`,
    );
  }
  if (count === 0) throw new DatasetFormatError(pair.imagesFile, `${pair.imagesFile} holds no images.`);
  onImages(count);
  return { pair, images: images.data, labels: labels.data, count, rows, columns };
}

/** Reads every pair, with progress in images of the whole dataset. */
async function readPairs(
  folder: string,
  pairs: readonly IdxPair[],
  context: ReadContext,
): Promise<DecodedPair[]> {
  const limits = limitsOf(context);
  const declared = await declaredImages(folder, pairs, limits);
  const decoded: DecodedPair[] = [];
  let done = 0;
  context.progress(0, declared.total, 'reading', 'images');
  for (const [index, pair] of pairs.entries()) {
    throwIfCancelled(context.signal, folder);
    const imageBytes = declared.imageBytes[index] ?? 0;
    const entry = await readPair(pair, imageBytes, limits.maximumDecodedBytes, context.signal, (images) =>
      context.progress(done + images, declared.total, 'reading', 'images'),
    );
    decoded.push(entry);
    done += entry.count;
  }
  return decoded;
}

/** Reads a folder of IDX pairs (MNIST, Fashion-MNIST, EMNIST). */
export async function readIdxDataset(
  folder: string,
  options: IdxReadOptions,
  context: ReadContext,
): Promise<DecodedDataset> {
  const pairs = await findIdxPairs(folder);
  if (!pairs.some((pair) => pair.split === 'train')) {
    throw new DatasetLayoutError(
      folder,
      `${folder} has no training images: expected train-images-idx3-ubyte[.gz].`,
    );
  }
  const decoded = await readPairs(folder, pairs, context);
  const first = decoded[0];
  if (first === undefined) throw new DatasetLayoutError(folder, `${folder} holds no IDX image files.`);
  for (const entry of decoded) {
    if (entry.rows !== first.rows || entry.columns !== first.columns) {
      throw new DatasetFormatError(
        entry.pair.imagesFile,
        `${entry.pair.imagesFile} holds ${entry.rows}x${entry.columns} images but ${first.pair.imagesFile} holds ${first.rows}x${first.columns}.`,
      );
    }
  }
  let maximumLabel = 0;
  for (const entry of decoded) for (const label of entry.labels) maximumLabel = Math.max(maximumLabel, label);
  const notes: string[] = [];
  const classNames = options.classNames ?? defaultClassNames(folder, maximumLabel, notes);
  const splits: DecodedSplit[] = decoded.map((entry) => {
    const labels = new Uint16Array(entry.count);
    for (let index = 0; index < entry.count; index += 1) {
      const label = entry.labels[index] ?? 0;
      if (label >= classNames.length) {
        throw new DatasetFormatError(
          entry.pair.labelsFile,
          `${entry.pair.labelsFile}: label ${label} of item ${formatCount(index)} is outside the ${classNames.length} classes (0..${classNames.length - 1}).`,
        );
      }
      labels[index] = label;
    }
    return { name: entry.pair.split, images: entry.images, labels, count: entry.count };
  });
  const sources = decoded.flatMap((entry) => [entry.pair.imagesFile, entry.pair.labelsFile]);
  return {
    format: 'idx',
    classNames,
    shape: [first.rows, first.columns, 1],
    splits,
    sources,
    unreadableFiles: [],
    ignoredFileCount: await countIgnoredFiles(folder, sources),
    sizeSpread: [
      {
        width: first.columns,
        height: first.rows,
        channels: 1,
        count: decoded.reduce((sum, entry) => sum + entry.count, 0),
      },
    ],
    notes,
  };
}

function defaultClassNames(folder: string, maximumLabel: number, notes: string[]): readonly string[] {
  if (/fashion/i.test(folder) && maximumLabel < fashionMnistClassNames.length) {
    notes.push('Class names are those of Fashion-MNIST, taken from the folder name.');
    return fashionMnistClassNames;
  }
  notes.push('IDX files carry no class names; classes are named by their label number.');
  return Array.from({ length: maximumLabel + 1 }, (_, index) => String(index));
}
