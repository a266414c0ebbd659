import * as path from 'node:path';
import type { DecodedDataset, DecodedSplit, ReadContext, SplitName } from './types.js';
import { DatasetFormatError, DatasetLayoutError } from './errors.js';
import { readMatFile } from './mat-file.js';
import type { MatArray } from './mat-file.js';
import {
  countIgnoredFiles,
  formatCount,
  listFolder,
  readSourceFile,
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

/** Decodes one SVHN .mat file: X uint8 [H,W,C,N] column-major into NHWC, y [N,1] with 10 meaning 0. */
export async function readSvhnFile(
  file: string,
  split: SplitName,
): Promise<{ split: DecodedSplit; height: number; width: number; channels: number }> {
  const variables = await readMatFile(file, await readSourceFile(file));
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
  const images = new Uint8Array(count * height * width * channels);
  const source = x.bytes;
  const plane = height * width;
  const imageSize = plane * channels;
  for (let image = 0; image < count; image += 1) {
    const sourceImage = image * imageSize;
    let target = image * imageSize;
    for (let row = 0; row < height; row += 1) {
      for (let column = 0; column < width; column += 1) {
        // Column-major: X(row, column, channel, image) sits at row + height * (column + width * (channel + C * image)).
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
  return { split: { name: split, images, labels, count }, height, width, channels };
}

/** Reads an SVHN folder (train_32x32.mat, test_32x32.mat, optional extra_32x32.mat). */
export async function readSvhnDataset(
  folder: string,
  includeExtra: boolean,
  context: ReadContext,
): Promise<DecodedDataset> {
  const files = await findSvhnFiles(folder, includeExtra);
  const splits: DecodedSplit[] = [];
  let shape: readonly [number, number, number] | undefined;
  for (const [index, entry] of files.entries()) {
    throwIfCancelled(context.signal, entry.file);
    const decoded = await readSvhnFile(entry.file, entry.split);
    const current = [decoded.height, decoded.width, decoded.channels] as const;
    if (shape !== undefined && current.join('x') !== shape.join('x')) {
      throw new DatasetFormatError(
        entry.file,
        `${entry.file} holds ${current.join('x')} images but the training file holds ${shape.join('x')}.`,
      );
    }
    shape = current;
    splits.push(decoded.split);
    context.progress(index + 1, files.length, 'reading');
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
    notes: files.some((entry) => entry.split === 'extra')
      ? []
      : ['extra_32x32.mat is not imported unless asked for.'],
  };
}
