import * as path from 'node:path';
import type { DatasetFormat, DetectedDataset } from './types.js';
import { datasetFormatLabels } from './types.js';
import { archiveKindOf, listArchive, unsupportedArchivePattern } from './archive.js';
import type { ArchiveEntry } from './archive.js';
import { cifar10ClassNames, findCifar10Files } from './cifar.js';
import { DatasetLayoutError } from './errors.js';
import { findIdxPairs } from './idx.js';
import { imageExtensions, isCinic10Layout, isImageFile, scanImageFolder } from './image-folder.js';
import type { ImageFolderLayout } from './image-folder.js';
import { defaultImportLimits, formatMegabytes } from './limits.js';
import type { ImportLimits } from './limits.js';
import { formatCount, listFolder, statSource } from './source-files.js';
import { findSvhnFiles } from './svhn.js';

/** Options that change which files a format reads, and the limits an archive is listed under. */
export interface DetectOptions {
  readonly cifar100Labels?: 'fine' | 'coarse' | undefined;
  readonly includeExtra?: boolean | undefined;
  readonly limits?: ImportLimits | undefined;
}

/**
 * Layouts scanned during detection, kept for the import that follows so that a folder of hundreds of
 * thousands of images is listed once; keyed weakly by the result the caller holds.
 */
const scannedLayouts = new WeakMap<DetectedDataset, ImageFolderLayout>();

/** The image-folder layout found while detecting `detected`, if it is an image folder. */
export function scannedLayoutOf(detected: DetectedDataset): ImageFolderLayout | undefined {
  return scannedLayouts.get(detected);
}

const idxNamePattern = /idx[13][-_.]ubyte(\.gz)?$/i;
const nestedFolders: readonly { readonly name: string; readonly format: DatasetFormat }[] = [
  { name: 'cifar-10-batches-bin', format: 'cifar10' },
  { name: 'cifar-100-binary', format: 'cifar100' },
];

function formatOfFileName(name: string): DatasetFormat | undefined {
  if (/^(data_batch_\d+|test_batch)\.bin$/.test(name) || name === 'batches.meta.txt') return 'cifar10';
  if (/^(train|test)\.bin$/.test(name) || /^(fine|coarse)_label_names\.txt$/.test(name)) return 'cifar100';
  if (/\.mat$/i.test(name)) return 'svhn';
  if (idxNamePattern.test(name)) return 'idx';
  return undefined;
}

async function formatOfFolder(folder: string): Promise<DatasetFormat | undefined> {
  const entries = await listFolder(folder);
  const files = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
  const formats = new Set(files.map(formatOfFileName).filter((format) => format !== undefined));
  // A CIFAR-10 folder also holds test_batch.bin-like names; its data batches decide.
  for (const format of ['cifar10', 'cifar100', 'svhn', 'idx'] as const)
    if (formats.has(format)) return format;
  if (entries.some((entry) => entry.isDirectory() && !entry.name.startsWith('.'))) return 'folder';
  return undefined;
}

/**
 * Works out the format of a picked file or folder (or checks an explicit one) and lists what import
 * will read. Throws DatasetAccessError or DatasetLayoutError, naming the path, when nothing fits.
 */
export async function detectDataset(
  picked: string,
  requested: DatasetFormat | 'auto' = 'auto',
  options: DetectOptions = {},
): Promise<DetectedDataset> {
  const resolved = path.resolve(picked);
  const stats = await statSource(resolved);
  let folder = resolved;
  let format: DatasetFormat | undefined = requested === 'auto' ? undefined : requested;
  if (stats.isFile()) {
    const name = path.basename(resolved);
    if (archiveKindOf(name) !== undefined) return describeArchive(resolved, requested, options);
    if (unsupportedArchivePattern.test(name)) {
      throw new DatasetLayoutError(
        resolved,
        `${resolved} is an archive of a kind import cannot unpack; unpack it first and pick the folder, or pick a .zip, .tar, .tar.gz or .tgz archive.`,
      );
    }
    if ((imageExtensions as readonly string[]).includes(path.extname(name).toLowerCase())) {
      throw new DatasetLayoutError(
        resolved,
        `${resolved} is a single image; pick the dataset folder that holds one folder of images per class.`,
      );
    }
    folder = path.dirname(resolved);
    format ??= formatOfFileName(name);
    if (format === undefined) {
      throw new DatasetLayoutError(
        resolved,
        `${resolved} is not a file of a known dataset format; expected a CIFAR .bin batch, an SVHN .mat file or an IDX *-idx3-ubyte[.gz] file.`,
      );
    }
  } else if (stats.isDirectory()) {
    const names = (await listFolder(resolved)).map((entry) => entry.name);
    const nested = nestedFolders.find(
      (candidate) => names.includes(candidate.name) && (format === undefined || format === candidate.format),
    );
    if (nested !== undefined && (await formatOfFolder(resolved)) === 'folder') {
      folder = path.join(resolved, nested.name);
      format ??= nested.format;
    }
    format ??= await formatOfFolder(folder);
    if (format === undefined) {
      throw new DatasetLayoutError(
        resolved,
        `No dataset found in ${resolved}: expected CIFAR-10/100 .bin batches, SVHN .mat files, IDX files, or one folder of images per class.`,
      );
    }
  } else {
    throw new DatasetLayoutError(resolved, `${resolved} is neither a file nor a folder.`);
  }
  return describe(folder, format, options, requested === 'auto');
}

async function describe(
  folder: string,
  format: DatasetFormat,
  options: DetectOptions,
  autoDetected: boolean,
): Promise<DetectedDataset> {
  const label = datasetFormatLabels[format];
  switch (format) {
    case 'cifar10': {
      const files = await findCifar10Files(folder);
      const list = [
        ...files.trainFiles,
        files.testFile,
        ...(files.metaFile === undefined ? [] : [files.metaFile]),
      ];
      return {
        format,
        root: folder,
        files: list,
        fileCount: list.length,
        description: `${label}: ${files.trainFiles.length} training batch${files.trainFiles.length === 1 ? '' : 'es'} and 1 test batch.`,
      };
    }
    case 'cifar100': {
      const labels = options.cifar100Labels ?? 'fine';
      const list = ['train.bin', 'test.bin', `${labels}_label_names.txt`].map((name) =>
        path.join(folder, name),
      );
      return {
        format,
        root: folder,
        files: list,
        fileCount: list.length,
        description: `${label}, ${labels} labels.`,
      };
    }
    case 'svhn': {
      const files = await findSvhnFiles(folder, options.includeExtra === true);
      return {
        format,
        root: folder,
        files: files.map((entry) => entry.file),
        fileCount: files.length,
        description: `${label}: ${files.map((entry) => entry.split).join(', ')}.`,
      };
    }
    case 'idx': {
      const pairs = await findIdxPairs(folder);
      if (pairs.length === 0) {
        throw new DatasetLayoutError(
          folder,
          `${folder} holds no IDX images file: expected *-images-idx3-ubyte[.gz].`,
        );
      }
      const list = pairs.flatMap((pair) => [pair.imagesFile, pair.labelsFile]);
      return {
        format,
        root: folder,
        files: list,
        fileCount: list.length,
        description: `${label}: ${pairs.map((pair) => pair.split).join(' and ')}.`,
      };
    }
    case 'folder':
    case 'cinic10': {
      const layout = await scanImageFolder(folder);
      const detectedFormat = autoDetected && isCinic10Layout(layout) ? 'cinic10' : format;
      const detected: DetectedDataset = {
        format: detectedFormat,
        root: folder,
        files: layout.classFolders.map((classFolder) => classFolder.folder),
        fileCount: layout.entries.length,
        description: `${datasetFormatLabels[detectedFormat]}: ${layout.entries.length.toLocaleString('en-US')} images in ${layout.classNames.length} classes${layout.hasSplits ? '' : ', no split folders (a test split will be carved)'}.`,
      };
      scannedLayouts.set(detected, layout);
      return detected;
    }
  }
}

/** Where a format's files sit inside an archive, read off the entries' names. */
function formatInside(
  entries: readonly ArchiveEntry[],
): { format: DatasetFormat; folder: string } | undefined {
  const files = entries.filter((entry) => !entry.isDirectory).map((entry) => entry.name);
  for (const format of ['cifar10', 'cifar100', 'svhn', 'idx'] as const) {
    const match = files.find((name) => formatOfFileName(path.posix.basename(name)) === format);
    if (match !== undefined) return { format, folder: path.posix.dirname(match) };
  }
  const images = files.filter((name) => isImageFile(name));
  if (images.length === 0) return undefined;
  const cinic = new RegExp(`(^|/)valid/(${cifar10ClassNames.join('|')})/`);
  const folders = images.map((name) => path.posix.dirname(path.posix.dirname(name)));
  const shortest = folders.reduce((best, folder) => (folder.length < best.length ? folder : best));
  return { format: images.some((name) => cinic.test(name)) ? 'cinic10' : 'folder', folder: shortest };
}

/**
 * Lists an archive (every entry checked against the limits, nothing written) and says what it holds; the
 * import unpacks it and detects the format again on the unpacked files, which decides.
 */
async function describeArchive(
  file: string,
  requested: DatasetFormat | 'auto',
  options: DetectOptions,
): Promise<DetectedDataset> {
  const contents = await listArchive(file, options.limits ?? defaultImportLimits());
  const inside = formatInside(contents.entries);
  const format = requested === 'auto' ? inside?.format : requested;
  if (format === undefined) {
    throw new DatasetLayoutError(
      file,
      `No dataset found in the archive ${file}: expected CIFAR-10/100 .bin batches, SVHN .mat files, IDX files, or one folder of images per class.`,
    );
  }
  const fileCount = contents.entries.filter((entry) => !entry.isDirectory).length;
  const where = inside === undefined || inside.folder === '.' ? '' : `, in ${inside.folder}/`;
  return {
    format,
    root: file,
    files: [file],
    fileCount,
    description: `${datasetFormatLabels[format]} in a .${contents.kind} archive: ${formatCount(fileCount)} files, ${formatMegabytes(contents.unpackedBytes)} unpacked${where}.`,
    archive: {
      kind: contents.kind,
      entryCount: contents.entries.length,
      unpackedBytes: contents.unpackedBytes,
    },
  };
}
