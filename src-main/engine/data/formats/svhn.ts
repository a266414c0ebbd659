import * as path from 'node:path';
import type { DecodedDataset, DecodedSplit, ReadContext, SplitName } from './types.js';
import { DatasetFormatError, DatasetLayoutError } from './errors.js';
import { readMatFile } from './mat-file.js';
import type { MatArray } from './mat-file.js';
import { checkFileSize, limitsOf } from './limits.js';
import type { ImportLimits } from './limits.js';
import {
  countIgnoredFiles,
  formatCount,
  listFolder,
  readSourceFile,
  statSource,
  throwIfCancelled,
} from './source-files.js';

const svhnFiles: readonly { readonly name: string; readonly split: SplitName }[] = [
  { name: 'train_32x32.mat', split: 'train' },
  { name: 'test_32x32.mat', split: 'test' },
  { name: 'extra_32x32.mat', split: 'extra' },
];

/** The digit classes; SVHN's label 10 stands for digit 0. */
export const svhnClassNames = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Lists the SVHN .mat files of a folder; extra_32x32.mat only when asked for. */
export async function findSvhnFiles(
  folder: string,
  includeExtra: boolean,
): Promise<{ file: string; split: SplitName }[]> {
  const names = new Set(
    (await listFolder(folder)).filter((entry) => entry.isFile()).map((entry) => entry.name),
  );
  if (!names.has('train_32x32.mat')) {
    throw new DatasetLayoutError(
      folder,
      `${folder} has no train_32x32.mat: expected the SVHN cropped-digit files there.`,
    );
  }
  return svhnFiles
    .filter((entry) => names.has(entry.name) && (entry.split !== 'extra' || includeExtra))
    .map((entry) => ({ file: path.join(folder, entry.name), split: entry.split }));
}

function requireVariable(
  file: string,
  variables: Map<string, MatArray>,
  name: string,
  expected: string,
): MatArray {
  const variable = variables.get(name);
  if (variable === undefined) {
    const found = [...variables.keys()];
    throw new DatasetFormatError(
      file,
      `${file} has no variable ${name} (${expected}); it holds ${found.length === 0 ? 'no numeric variables' : found.join(', ')}.`,
    );
  }
  return variable;
}

/** How one SVHN file is read: memory bound, cancellation, and the bytes of the file processed so far. */
export interface SvhnFileOptions {
  readonly limits?: ImportLimits | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((bytes: number) => void) | undefined;
}

/** Decodes one SVHN .mat file: X uint8 [H,W,C,N] column-major into NHWC, y [N,1] with 10 meaning 0. */
export async function readSvhnFile(
  file: string,
  split: SplitName,
  options: SvhnFileOptions = {},
): Promise<{ split: DecodedSplit; height: number; width: number; channels: number }> {
  const limits = limitsOf(options);
  const size = (await statSource(file)).size;
  checkFileSize(file, size, limits.maximumDecodedBytes);
  const variables = await readMatFile(file, await readSourceFile(file), {
    maximumBytes: limits.maximumDecodedBytes,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const x = requireVariable(file, variables, 'X', 'the images, uint8 [32,32,3,N]');
  const y = requireVariable(file, variables, 'y', 'the labels, [N,1]');
  if (x.dimensions.length !== 4) {
    throw new DatasetFormatError(
      file,
      `${file}: X has dimensions ${x.dimensions.join('x')}; expected 4 (height x width x channels x N).`,
    );
  }
  const [height = 0, width = 0, channels = 0, count = 0] = x.dimensions;
  if (channels !== 3 && channels !== 1) {
    throw new DatasetFormatError(file, `${file}: X has ${channels} channels; expected 3 (RGB) or 1.`);
  }
  const yIsColumn = y.dimensions.length === 2 && (y.dimensions[1] === 1 || y.dimensions[0] === 1);
  if (!yIsColumn) {
    throw new DatasetFormatError(
      file,
      `${file}: y has dimensions ${y.dimensions.join('x')}; expected N x 1.`,
    );
  }
  if (y.length !== count) {
    throw new DatasetFormatError(
      file,
      `${file}: X holds ${formatCount(count)} images but y holds ${formatCount(y.length)} labels; they must match.`,
    );
  }
  if (count === 0) throw new DatasetFormatError(file, `${file}: X holds no images.`);
  const labels = new Uint16Array(count);
  for (let index = 0; index < count; index += 1) {
    const value = y.at(index);
    if (!Number.isInteger(value) || value < 0 || value > 10) {
      throw new DatasetFormatError(
        file,
        `${file}: label y(${index + 1}) is ${value}, outside the SVHN digits 1..10 (10 meaning 0).`,
      );
    }
    labels[index] = value === 10 ? 0 : value;
  }
  const images = await toNhwc(file, x, [height, width, channels, count], options.signal);
  return { split: { name: split, images, labels, count }, height, width, channels };
}

/** True when the folder holds extra_32x32.mat and the import does not read it. */
async function extraLeftOut(folder: string, files: readonly { split: SplitName }[]): Promise<boolean> {
  if (files.some((entry) => entry.split === 'extra')) return false;
  const entries = await listFolder(folder);
  return entries.some((entry) => entry.isFile() && entry.name === 'extra_32x32.mat');
}

/** Images converted between two turns of the event loop, so a stop request is heard within a few ms. */
const imagesPerSlice = 2048;

/** Copies X (row + H·(column + W·(channel + C·image)), column-major) into NHWC pixels, checking values. */
async function toNhwc(
  file: string,
  x: MatArray,
  [height, width, channels, count]: readonly [number, number, number, number],
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const images = new Uint8Array(count * height * width * channels);
  const source = x.bytes;
  const plane = height * width;
  const imageSize = plane * channels;
  for (let image = 0; image < count; image += 1) {
    if (image % imagesPerSlice === imagesPerSlice - 1) {
      await new Promise((resolve) => setImmediate(resolve));
      throwIfCancelled(signal, file);
    }
    const sourceImage = image * imageSize;
    let target = image * imageSize;
    for (let row = 0; row < height; row += 1) {
      for (let column = 0; column < width; column += 1) {
        const sourcePixel = sourceImage + row + height * column;
        for (let channel = 0; channel < channels; channel += 1) {
          const value =
            source === undefined
              ? x.at(sourcePixel + channel * plane)
              : (source[sourcePixel + channel * plane] ?? 0);
          if (source === undefined && (!Number.isInteger(value) || value < 0 || value > 255)) {
            throw new DatasetFormatError(
              file,
              `${file}: X holds ${value}; expected pixel values 0..255 (uint8).`,
            );
          }
          images[target] = value;
          target += 1;
        }
      }
    }
  }
  return images;
}

/** Reads an SVHN folder (train_32x32.mat, test_32x32.mat, optional extra_32x32.mat). */
export async function readSvhnDataset(
  folder: string,
  includeExtra: boolean,
  context: ReadContext,
): Promise<DecodedDataset> {
  const files = await findSvhnFiles(folder, includeExtra);
  const sizes: number[] = [];
  for (const entry of files) sizes.push((await statSource(entry.file)).size);
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  const splits: DecodedSplit[] = [];
  let shape: readonly [number, number, number] | undefined;
  let doneBytes = 0;
  for (const [index, entry] of files.entries()) {
    throwIfCancelled(context.signal, entry.file);
    const decoded = await readSvhnFile(entry.file, entry.split, {
      limits: context.limits,
      signal: context.signal,
      onProgress: (bytes) => context.progress(doneBytes + bytes, totalBytes, 'reading', 'bytes'),
    });
    doneBytes += sizes[index] ?? 0;
    const current = [decoded.height, decoded.width, decoded.channels] as const;
    if (shape !== undefined && current.join('x') !== shape.join('x')) {
      throw new DatasetFormatError(
        entry.file,
        `${entry.file} holds ${current.join('x')} images but the training file holds ${shape.join('x')}.`,
      );
    }
    shape = current;
    splits.push(decoded.split);
    context.progress(doneBytes, totalBytes, 'reading', 'bytes');
  }
  if (shape === undefined) throw new DatasetLayoutError(folder, `${folder} holds no SVHN files.`);
  const sources = files.map((entry) => entry.file);
  const total = splits.reduce((sum, split) => sum + split.count, 0);
  return {
    format: 'svhn',
    classNames: svhnClassNames,
    shape,
    splits,
    sources,
    unreadableFiles: [],
    ignoredFileCount: await countIgnoredFiles(folder, sources),
    sizeSpread: [{ height: shape[0], width: shape[1], channels: shape[2], count: total }],
    notes: (await extraLeftOut(folder, files))
      ? [
          'extra_32x32.mat is in the folder but was not imported: the extra split is left out unless asked for.',
        ]
      : [],
  };
}
