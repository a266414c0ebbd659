import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import type {
  DecodedDataset,
  DecodedSplit,
  ReadContext,
  SizeCount,
  SplitName,
  UnreadableFile,
} from './types.js';
import { decodeBmp } from './bmp.js';
import { cifar10ClassNames } from './cifar.js';
import { DatasetLayoutError } from './errors.js';
import { isBmp, isPng, readPngHeader } from './image-header.js';
import { decodePlainPng } from './png-decoder.js';
import type { ImageHeader } from './image-header.js';
import { accessError, compareNames, listFolder, throwIfCancelled } from './source-files.js';

/** File extensions read as images; everything else is counted as ignored. */
export const imageExtensions = ['.png', '.jpg', '.jpeg', '.bmp', '.webp'] as const;

const splitFolderNames: Readonly<Record<string, SplitName>> = {
  train: 'train',
  test: 'test',
  valid: 'validation',
  validation: 'validation',
  val: 'validation',
};

const concurrency = 8;
/** Encoded files kept in memory between the probing and the decoding pass, to read each file once. */
const keptBytesLimit = 512 * 1024 * 1024;

/** One image file and where it belongs. */
export interface ImageEntry {
  readonly file: string;
  readonly split: SplitName;
  readonly classIndex: number;
}

/** The structure of an image-folder dataset, found before anything is decoded. */
export interface ImageFolderLayout {
  readonly root: string;
  /** True for `<root>/<split>/<class>/*`, false for `<root>/<class>/*`. */
  readonly hasSplits: boolean;
  readonly classNames: readonly string[];
  /** The class folders, e.g. `<root>/train/cat`. */
  readonly classFolders: readonly string[];
  readonly entries: readonly ImageEntry[];
  readonly ignoredFileCount: number;
}

/** Target size and channels of the decoded images. */
export interface ImageFolderOptions {
  readonly format: 'folder' | 'cinic10';
  /** Defaults to the most common size among the images. */
  readonly size?: { readonly height: number; readonly width: number } | undefined;
  /** Defaults to 3, or 1 when every image is greyscale. */
  readonly channels?: 1 | 3 | undefined;
}

function isImageFile(name: string): boolean {
  return (imageExtensions as readonly string[]).includes(path.extname(name).toLowerCase());
}

async function walkFiles(folder: string, found: string[]): Promise<void> {
  for (const entry of await listFolder(folder)) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) await walkFiles(full, found);
    else if (entry.isFile()) found.push(full);
  }
}

/** Finds the splits, classes and image files of an image folder without decoding anything. */
export async function scanImageFolder(root: string): Promise<ImageFolderLayout> {
  const top = await listFolder(root);
  const folders = top
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name);
  let ignoredFileCount = top.filter((entry) => entry.isFile()).length;
  const splitFolders = folders.filter((name) => splitFolderNames[name.toLowerCase()] !== undefined);
  const hasSplits = splitFolders.some((name) => name.toLowerCase() === 'train');
  if (hasSplits && splitFolders.length !== folders.length) {
    const others = folders.filter((name) => !splitFolders.includes(name));
    throw new DatasetLayoutError(
      root,
      `${root} mixes split folders (${splitFolders.join(', ')}) with other folders (${others.join(', ')}); expected either only split folders (train, test, valid) holding class folders, or only class folders.`,
    );
  }
  const groups: { split: SplitName; folder: string }[] = hasSplits
    ? splitFolders.map((name) => ({
        split: splitFolderNames[name.toLowerCase()] ?? 'train',
        folder: path.join(root, name),
      }))
    : [{ split: 'train', folder: root }];
  const classesBySplit = new Map<SplitName, string[]>();
  for (const group of groups) {
    if (classesBySplit.has(group.split)) {
      throw new DatasetLayoutError(
        group.folder,
        `${root} has two folders for the ${group.split} split; keep one.`,
      );
    }
    const entries = await listFolder(group.folder);
    if (group.folder !== root) ignoredFileCount += entries.filter((entry) => entry.isFile()).length;
    classesBySplit.set(
      group.split,
      entries
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
        .map((entry) => entry.name),
    );
  }
  const trainFolder = groups.find((group) => group.split === 'train')?.folder ?? root;
  const classNames = [...(classesBySplit.get('train') ?? [])].sort(compareNames);
  if (classNames.length === 0) {
    throw new DatasetLayoutError(
      trainFolder,
      `${trainFolder} holds no class folders: expected one folder of images per class (e.g. ${trainFolder}${path.sep}cat${path.sep}0001.png).`,
    );
  }
  const entries: ImageEntry[] = [];
  const classFolders: string[] = [];
  for (const group of groups) {
    for (const className of classesBySplit.get(group.split) ?? []) {
      const classFolder = path.join(group.folder, className);
      const classIndex = classNames.indexOf(className);
      if (classIndex < 0) {
        throw new DatasetLayoutError(
          classFolder,
          `${classFolder} is a class that ${trainFolder} does not have; every class of ${group.split} needs training images.`,
        );
      }
      const files: string[] = [];
      await walkFiles(classFolder, files);
      const images = files.filter((file) => isImageFile(file) && !path.basename(file).startsWith('.'));
      ignoredFileCount += files.length - images.length;
      if (images.length === 0) {
        throw new DatasetLayoutError(
          classFolder,
          `${classFolder} is an empty class folder: it holds no ${imageExtensions.join(', ')} images${files.length > 0 ? ` (only ${files.length} other file${files.length === 1 ? '' : 's'})` : ''}.`,
        );
      }
      classFolders.push(classFolder);
      for (const file of images) entries.push({ file, split: group.split, classIndex });
    }
  }
  return { root, hasSplits, classNames, classFolders, entries, ignoredFileCount };
}

/** True when a layout is CINIC-10: train/valid/test folders holding the ten CIFAR-10 classes. */
export function isCinic10Layout(layout: ImageFolderLayout): boolean {
  return (
    layout.hasSplits &&
    layout.classNames.length === cifar10ClassNames.length &&
    layout.classNames.every((name) => cifar10ClassNames.includes(name)) &&
    layout.entries.some((entry) => entry.split === 'validation')
  );
}

function reasonOf(file: string, error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return accessError(file, error).message;
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split('\n')[0] ?? message;
}

async function probe(buffer: Buffer): Promise<ImageHeader> {
  const png = readPngHeader(buffer);
  if (png !== undefined) return png;
  if (isBmp(buffer)) return decodeBmp(buffer);
  const metadata = await sharp(buffer).metadata();
  return { width: metadata.width, height: metadata.height, channels: metadata.channels };
}

async function decode(
  buffer: Buffer,
  header: ImageHeader,
  target: { readonly height: number; readonly width: number; readonly channels: number },
): Promise<Uint8Array> {
  const sameShape =
    header.width === target.width && header.height === target.height && header.channels === target.channels;
  if (sameShape && isPng(buffer)) {
    const plain = decodePlainPng(buffer);
    if (
      plain !== undefined &&
      plain.width === target.width &&
      plain.height === target.height &&
      plain.channels === target.channels
    ) {
      return plain.pixels;
    }
  }
  let image: Sharp;
  if (isBmp(buffer)) {
    const bmp = decodeBmp(buffer);
    image = sharp(bmp.pixels, {
      raw: { width: bmp.width, height: bmp.height, channels: bmp.channels as 3 | 4 },
    });
  } else {
    image = sharp(buffer);
  }
  if (header.channels === 2 || header.channels === 4) image = image.flatten({ background: '#000000' });
  if (header.width !== target.width || header.height !== target.height) {
    image = image.resize(target.width, target.height, { fit: 'cover' });
  }
  image = image.toColourspace(target.channels === 1 ? 'b-w' : 'srgb');
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.width !== target.width || info.height !== target.height || info.channels !== target.channels) {
    throw new Error(
      `decoded to ${info.width}x${info.height}x${info.channels}, expected ${target.width}x${target.height}x${target.channels}`,
    );
  }
  return data;
}

async function forEachConcurrently<T>(
  items: readonly T[],
  signal: AbortSignal | undefined,
  source: string,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length) {
      throwIfCancelled(signal, source);
      const index = next;
      next += 1;
      const item = items[index];
      if (item !== undefined) await work(item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, runner));
}

function mostCommonSize(headers: readonly (ImageHeader | undefined)[]): { height: number; width: number } {
  const counts = new Map<string, { height: number; width: number; count: number }>();
  for (const header of headers) {
    if (header === undefined) continue;
    const key = `${header.width}x${header.height}`;
    const entry = counts.get(key) ?? { height: header.height, width: header.width, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  let best = { height: 0, width: 0, count: -1 };
  for (const entry of counts.values()) {
    // Ties go to the larger image so that no information is thrown away by default.
    if (
      entry.count > best.count ||
      (entry.count === best.count && entry.height * entry.width > best.height * best.width)
    ) {
      best = entry;
    }
  }
  return { height: best.height, width: best.width };
}

function sizeSpreadOf(headers: readonly (ImageHeader | undefined)[]): SizeCount[] {
  const counts = new Map<string, SizeCount>();
  for (const header of headers) {
    if (header === undefined) continue;
    const key = `${header.width}x${header.height}x${header.channels}`;
    const previous = counts.get(key);
    counts.set(key, { ...header, count: (previous?.count ?? 0) + 1 });
  }
  return [...counts.values()].sort((left, right) => right.count - left.count);
}

function checkClassCounts(
  layout: ImageFolderLayout,
  readable: readonly boolean[],
  unreadable: readonly UnreadableFile[],
): void {
  const counts = new Map<string, number>();
  layout.entries.forEach((entry, index) => {
    const key = `${entry.split}/${entry.classIndex}`;
    counts.set(key, (counts.get(key) ?? 0) + (readable[index] === true ? 1 : 0));
  });
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) {
    const first = unreadable[0];
    throw new DatasetLayoutError(
      layout.root,
      `None of the ${layout.entries.length} image files in ${layout.root} could be decoded${first === undefined ? '' : ` (for example ${first.file}: ${first.reason})`}.`,
    );
  }
  for (const classFolder of layout.classFolders) {
    const relative = path.relative(layout.root, classFolder).split(path.sep);
    const split: SplitName = layout.hasSplits
      ? (splitFolderNames[(relative[0] ?? '').toLowerCase()] ?? 'train')
      : 'train';
    const className = relative[relative.length - 1] ?? '';
    const count = counts.get(`${split}/${layout.classNames.indexOf(className)}`) ?? 0;
    const minimum = split === 'train' ? 2 : 1;
    if (count < minimum) {
      const purpose = layout.hasSplits
        ? 'one to train on and one to validate on'
        : 'one to train on and one to test on';
      throw new DatasetLayoutError(
        classFolder,
        count === 0
          ? `${classFolder} holds no readable image: every image in it failed to decode.`
          : `${classFolder} holds only ${count} readable image; a class needs at least ${minimum} (${purpose}).`,
      );
    }
  }
}

/** Reads an image-folder dataset (CINIC-10 or any `<root>/[<split>/]<class>/*` tree) with sharp. */
export async function readImageFolderDataset(
  root: string,
  options: ImageFolderOptions,
  context: ReadContext,
  scanned?: ImageFolderLayout,
): Promise<DecodedDataset> {
  const layout = scanned ?? (await scanImageFolder(root));
  const entries = layout.entries;
  const headers: (ImageHeader | undefined)[] = new Array<ImageHeader | undefined>(entries.length);
  const kept: (Buffer | undefined)[] = new Array<Buffer | undefined>(entries.length);
  let keptBytes = 0;
  const unreadable: UnreadableFile[] = [];
  let probed = 0;
  await forEachConcurrently(entries, context.signal, root, async (entry, index) => {
    try {
      // Synchronous reads: for many small files they cost far less than the thread-pool round trips.
      const buffer = readFileSync(entry.file);
      headers[index] = await probe(buffer);
      if (keptBytes + buffer.length <= keptBytesLimit) {
        kept[index] = buffer;
        keptBytes += buffer.length;
      }
    } catch (error) {
      unreadable.push({ file: entry.file, reason: reasonOf(entry.file, error) });
    }
    probed += 1;
    if (probed % 256 === 0 || probed === entries.length) context.progress(probed, entries.length, 'probing');
  });
  const size = options.size ?? mostCommonSize(headers);
  const colour = headers.some((header) => header !== undefined && header.channels >= 3);
  const channels = options.channels ?? (colour || headers.every((header) => header === undefined) ? 3 : 1);
  const target = { ...size, channels };
  const imageBytes = target.height * target.width * channels;
  const pixels: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(entries.length);
  let decoded = 0;
  await forEachConcurrently(entries, context.signal, root, async (entry, index) => {
    const header = headers[index];
    if (header !== undefined) {
      try {
        pixels[index] = await decode(kept[index] ?? readFileSync(entry.file), header, target);
        kept[index] = undefined;
      } catch (error) {
        unreadable.push({ file: entry.file, reason: reasonOf(entry.file, error) });
      }
    }
    decoded += 1;
    if (decoded % 256 === 0 || decoded === entries.length)
      context.progress(decoded, entries.length, 'reading');
  });
  unreadable.sort((left, right) => compareNames(left.file, right.file));
  checkClassCounts(
    layout,
    pixels.map((value) => value !== undefined),
    unreadable,
  );
  const splits: DecodedSplit[] = [];
  for (const name of ['train', 'validation', 'test'] as const) {
    const members = entries.flatMap((entry, index) => {
      const data = pixels[index];
      return entry.split === name && data !== undefined ? [{ data, label: entry.classIndex }] : [];
    });
    if (members.length === 0) continue;
    const images = new Uint8Array(members.length * imageBytes);
    const labels = new Uint16Array(members.length);
    members.forEach((member, index) => {
      images.set(member.data, index * imageBytes);
      labels[index] = member.label;
    });
    splits.push({ name, images, labels, count: members.length });
  }
  const notes: string[] = [];
  if (options.size === undefined)
    notes.push(`Images are stored at ${size.width}x${size.height}, the most common size.`);
  if (!layout.hasSplits)
    notes.push('The folder has no train/test folders; a test split is carved from it with the seed.');
  return {
    format: options.format,
    classNames: layout.classNames,
    shape: [target.height, target.width, channels],
    splits,
    sources: layout.classFolders,
    unreadableFiles: unreadable,
    ignoredFileCount: layout.ignoredFileCount,
    sizeSpread: sizeSpreadOf(headers),
    notes,
  };
}
