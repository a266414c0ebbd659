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
import { checkDecodedBytes, limitsOf } from './limits.js';
import { listNativeFolder } from './native-paths.js';
import type { NativeEntry, NativePath } from './native-paths.js';
import { accessError, compareNames, formatCount, throwIfCancelled } from './source-files.js';

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
  /** The path as shown to the user. */
  readonly file: string;
  /** The path the file is opened by (bytes when its name is not UTF-8). */
  readonly path: NativePath;
  readonly split: SplitName;
  readonly classIndex: number;
}

/** One class folder of one split. */
export interface ClassFolder {
  /** The path as shown to the user, e.g. `<root>/train/cat`. */
  readonly folder: string;
  readonly split: SplitName;
  readonly classIndex: number;
}

/** The structure of an image-folder dataset, found before anything is decoded. */
export interface ImageFolderLayout {
  readonly root: string;
  /** True for `<root>/<split>/<class>/*`, false for `<root>/<class>/*`. */
  readonly hasSplits: boolean;
  /** Class names as shown: folder names, with bytes that are not UTF-8 written as `\xHH`. */
  readonly classNames: readonly string[];
  readonly classFolders: readonly ClassFolder[];
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

/** True when a file name has one of the image extensions. */
export function isImageFile(name: string): boolean {
  return (imageExtensions as readonly string[]).includes(path.extname(name).toLowerCase());
}

function isVisibleFolder(entry: NativeEntry): boolean {
  return entry.isDirectory && !entry.name.startsWith('.');
}

async function walkFiles(folder: NativePath, shownFolder: string, found: NativeEntry[]): Promise<void> {
  for (const entry of await listNativeFolder(folder, shownFolder)) {
    if (entry.isDirectory) await walkFiles(entry.path, entry.shownPath, found);
    else if (entry.isFile) found.push(entry);
  }
}

interface SplitGroup {
  readonly split: SplitName;
  readonly folder: NativePath;
  readonly shownFolder: string;
}

/** The split folders of a root (train/test/valid), or the root itself as the one training group. */
function splitGroups(root: string, top: readonly NativeEntry[]): SplitGroup[] {
  const folders = top.filter(isVisibleFolder);
  const splitFolders = folders.filter((entry) => splitFolderNames[entry.name.toLowerCase()] !== undefined);
  if (!splitFolders.some((entry) => entry.name.toLowerCase() === 'train')) {
    return [{ split: 'train', folder: root, shownFolder: root }];
  }
  if (splitFolders.length !== folders.length) {
    const others = folders.filter((entry) => !splitFolders.includes(entry)).map((entry) => entry.name);
    throw new DatasetLayoutError(
      root,
      `${root} mixes split folders (${splitFolders.map((entry) => entry.name).join(', ')}) with other folders (${others.join(', ')}); expected either only split folders (train, test, valid) holding class folders, or only class folders.`,
    );
  }
  const groups: SplitGroup[] = [];
  for (const entry of splitFolders) {
    const split = splitFolderNames[entry.name.toLowerCase()] ?? 'train';
    if (groups.some((group) => group.split === split)) {
      throw new DatasetLayoutError(
        entry.shownPath,
        `${root} has two folders for the ${split} split; keep one.`,
      );
    }
    groups.push({ split, folder: entry.path, shownFolder: entry.shownPath });
  }
  return groups;
}

async function scanClassFolder(
  classFolder: NativeEntry,
): Promise<{ images: NativeEntry[]; otherFiles: number }> {
  const files: NativeEntry[] = [];
  await walkFiles(classFolder.path, classFolder.shownPath, files);
  const images = files.filter((file) => isImageFile(file.name) && !file.name.startsWith('.'));
  if (images.length === 0) {
    throw new DatasetLayoutError(
      classFolder.shownPath,
      `${classFolder.shownPath} is an empty class folder: it holds no ${imageExtensions.join(', ')} images${files.length > 0 ? ` (only ${files.length} other file${files.length === 1 ? '' : 's'})` : ''}.`,
    );
  }
  return { images, otherFiles: files.length - images.length };
}

/**
 * Finds the splits, classes and image files of an image folder without decoding anything. Names are read as
 * bytes, so a class folder whose name is not UTF-8 is read and shown in its escaped form.
 */
export async function scanImageFolder(root: string): Promise<ImageFolderLayout> {
  const top = await listNativeFolder(root, root);
  const groups = splitGroups(root, top);
  let ignoredFileCount = top.filter((entry) => entry.isFile).length;
  const classesBySplit = new Map<SplitName, NativeEntry[]>();
  for (const group of groups) {
    const entries = group.folder === root ? top : await listNativeFolder(group.folder, group.shownFolder);
    if (group.folder !== root) ignoredFileCount += entries.filter((entry) => entry.isFile).length;
    classesBySplit.set(group.split, entries.filter(isVisibleFolder));
  }
  const trainFolder = groups.find((group) => group.split === 'train')?.shownFolder ?? root;
  const classNames = (classesBySplit.get('train') ?? []).map((entry) => entry.name).sort(compareNames);
  if (classNames.length === 0) {
    throw new DatasetLayoutError(
      trainFolder,
      `${trainFolder} holds no class folders: expected one folder of images per class (e.g. ${trainFolder}${path.sep}cat${path.sep}0001.png).`,
    );
  }
  const entries: ImageEntry[] = [];
  const classFolders: ClassFolder[] = [];
  for (const group of groups) {
    for (const classFolder of classesBySplit.get(group.split) ?? []) {
      const classIndex = classNames.indexOf(classFolder.name);
      if (classIndex < 0) {
        throw new DatasetLayoutError(
          classFolder.shownPath,
          `${classFolder.shownPath} is a class that ${trainFolder} does not have; every class of ${group.split} needs training images.`,
        );
      }
      const { images, otherFiles } = await scanClassFolder(classFolder);
      ignoredFileCount += otherFiles;
      classFolders.push({ folder: classFolder.shownPath, split: group.split, classIndex });
      for (const image of images) {
        entries.push({ file: image.shownPath, path: image.path, split: group.split, classIndex });
      }
    }
  }
  return { root, hasSplits: groups[0]?.folder !== root, classNames, classFolders, entries, ignoredFileCount };
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
  return message.trim();
}

async function probe(buffer: Buffer, maximumPixels: number): Promise<ImageHeader> {
  const png = readPngHeader(buffer);
  const header: ImageHeader =
    png ??
    (isBmp(buffer)
      ? decodeBmp(buffer)
      : await sharp(buffer, { limitInputPixels: maximumPixels })
          .metadata()
          .then((metadata) => ({
            width: metadata.width,
            height: metadata.height,
            channels: metadata.channels,
          })));
  if (header.width * header.height > maximumPixels) {
    throw new Error(
      `it declares ${header.width}x${header.height} pixels, more than the ${formatCount(maximumPixels)} an image may have`,
    );
  }
  return header;
}

type PlainPng = NonNullable<ReturnType<typeof decodePlainPng>>;

/** The image as the image library takes it: plain PNGs and BMPs are decoded here, where it is cheaper. */
function openImage(buffer: Buffer, plain: PlainPng | undefined, maximumPixels: number): Sharp {
  if (plain !== undefined) {
    return sharp(plain.pixels, {
      raw: { width: plain.width, height: plain.height, channels: plain.channels as 1 | 3 },
    });
  }
  if (isBmp(buffer)) {
    const bmp = decodeBmp(buffer);
    return sharp(bmp.pixels, {
      raw: { width: bmp.width, height: bmp.height, channels: bmp.channels as 3 | 4 },
    });
  }
  return sharp(buffer, { limitInputPixels: maximumPixels });
}

async function decode(
  buffer: Buffer,
  header: ImageHeader,
  target: { readonly height: number; readonly width: number; readonly channels: number },
  maximumPixels: number,
): Promise<Uint8Array> {
  const plain = isPng(buffer) ? decodePlainPng(buffer) : undefined;
  if (
    plain !== undefined &&
    plain.width === target.width &&
    plain.height === target.height &&
    plain.channels === target.channels
  ) {
    return plain.pixels;
  }
  let image = openImage(buffer, plain, maximumPixels);
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
  for (const { folder, split, classIndex } of layout.classFolders) {
    const count = counts.get(`${split}/${classIndex}`) ?? 0;
    const minimum = split === 'train' ? 2 : 1;
    if (count < minimum) {
      const purpose = layout.hasSplits
        ? 'one to train on and one to validate on'
        : 'one to train on and one to test on';
      throw new DatasetLayoutError(
        folder,
        count === 0
          ? `${folder} holds no readable image: every image in it failed to decode.`
          : `${folder} holds only ${count} readable image; a class needs at least ${minimum} (${purpose}).`,
      );
    }
  }
}

interface ProbedImages {
  readonly headers: (ImageHeader | undefined)[];
  /** Encoded files kept from the probing pass, so most files are read once. */
  readonly kept: (Buffer | undefined)[];
  readonly unreadable: UnreadableFile[];
}

async function probeAll(layout: ImageFolderLayout, context: ReadContext): Promise<ProbedImages> {
  const entries = layout.entries;
  const maximumPixels = limitsOf(context).maximumImagePixels;
  const probed: ProbedImages = {
    headers: new Array<ImageHeader | undefined>(entries.length),
    kept: new Array<Buffer | undefined>(entries.length),
    unreadable: [],
  };
  let keptBytes = 0;
  let done = 0;
  await forEachConcurrently(entries, context.signal, layout.root, async (entry, index) => {
    try {
      // Synchronous reads: for many small files they cost far less than the thread-pool round trips.
      const buffer = readFileSync(entry.path);
      probed.headers[index] = await probe(buffer, maximumPixels);
      if (keptBytes + buffer.length <= keptBytesLimit) {
        probed.kept[index] = buffer;
        keptBytes += buffer.length;
      }
    } catch (error) {
      probed.unreadable.push({ file: entry.file, reason: reasonOf(entry.file, error) });
    }
    done += 1;
    if (done % 256 === 0 || done === entries.length) {
      context.progress(done, entries.length, 'probing', 'images');
    }
  });
  return probed;
}

async function decodeAll(
  layout: ImageFolderLayout,
  probed: ProbedImages,
  target: { readonly height: number; readonly width: number; readonly channels: number },
  context: ReadContext,
): Promise<(Uint8Array | undefined)[]> {
  const entries = layout.entries;
  const limits = limitsOf(context);
  const readableCount = probed.headers.filter((header) => header !== undefined).length;
  checkDecodedBytes(
    layout.root,
    `holds ${formatCount(readableCount)} images of ${target.width}x${target.height}x${target.channels}`,
    readableCount * target.height * target.width * target.channels,
    limits,
  );
  const pixels = new Array<Uint8Array | undefined>(entries.length);
  let done = 0;
  await forEachConcurrently(entries, context.signal, layout.root, async (entry, index) => {
    const header = probed.headers[index];
    if (header !== undefined) {
      try {
        const buffer = probed.kept[index] ?? readFileSync(entry.path);
        pixels[index] = await decode(buffer, header, target, limits.maximumImagePixels);
        probed.kept[index] = undefined;
      } catch (error) {
        probed.unreadable.push({ file: entry.file, reason: reasonOf(entry.file, error) });
      }
    }
    done += 1;
    if (done % 256 === 0 || done === entries.length) {
      context.progress(done, entries.length, 'reading', 'images');
    }
  });
  return pixels;
}

function assembleSplits(
  entries: readonly ImageEntry[],
  pixels: readonly (Uint8Array | undefined)[],
  imageBytes: number,
): DecodedSplit[] {
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
  return splits;
}

/** Reads an image-folder dataset (CINIC-10 or any `<root>/[<split>/]<class>/*` tree) with sharp. */
export async function readImageFolderDataset(
  root: string,
  options: ImageFolderOptions,
  context: ReadContext,
  scanned?: ImageFolderLayout,
): Promise<DecodedDataset> {
  const layout = scanned ?? (await scanImageFolder(root));
  const probed = await probeAll(layout, context);
  const { headers, unreadable } = probed;
  const size = options.size ?? mostCommonSize(headers);
  const colour = headers.some((header) => header !== undefined && header.channels >= 3);
  const channels = options.channels ?? (colour || headers.every((header) => header === undefined) ? 3 : 1);
  const target = { ...size, channels };
  const pixels = await decodeAll(layout, probed, target, context);
  unreadable.sort((left, right) => compareNames(left.file, right.file));
  checkClassCounts(
    layout,
    pixels.map((value) => value !== undefined),
    unreadable,
  );
  const notes: string[] = [];
  if (options.size === undefined)
    notes.push(`Images are stored at ${size.width}x${size.height}, the most common size.`);
  if (!layout.hasSplits)
    notes.push('The folder has no train/test folders; a test split is carved from it with the seed.');
  return {
    format: options.format,
    classNames: layout.classNames,
    shape: [target.height, target.width, channels],
    splits: assembleSplits(layout.entries, pixels, target.height * target.width * channels),
    sources: layout.classFolders.map((classFolder) => classFolder.folder),
    unreadableFiles: unreadable,
    ignoredFileCount: layout.ignoredFileCount,
    sizeSpread: sizeSpreadOf(headers),
    notes,
  };
}
