import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetLayoutError } from '../../../../../src-main/engine/data/formats/errors.js';
import {
  readImageFolderDataset,
  scanImageFolder,
} from '../../../../../src-main/engine/data/formats/image-folder.js';
import { escapedName } from '../../../../../src-main/engine/data/formats/native-paths.js';
import {
  encodeWithPillow,
  writeClassFolders,
  writeCorruptPng,
} from '../../../../fixtures/datasets/images.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';
import { temporaryFolder } from '../../../../fixtures/datasets/temp.js';

const context = { progress: () => undefined };
let folder: { path: string; remove: () => void };
beforeEach(() => (folder = temporaryFolder('images')));
afterEach(() => folder.remove());

function imageAt(images: Uint8Array, index: number, bytes: number): Buffer {
  return Buffer.from(images.subarray(index * bytes, (index + 1) * bytes));
}

describe('image folders', () => {
  it('reads <root>/<split>/<class>/* with classes in code-point order and exact PNG, WebP and BMP pixels', async () => {
    const train = writeClassFolders(path.join(folder.path, 'train'), [
      { name: 'zebra', count: 2, kind: 'png' },
      { name: 'Apple', count: 2, kind: 'bmp' },
      { name: 'mango', count: 3, kind: 'webp' },
    ]);
    writeClassFolders(path.join(folder.path, 'test'), [{ name: 'mango', count: 1 }], 2);
    writeFileSync(path.join(folder.path, 'train', 'mango', 'notes.txt'), 'not an image');
    const dataset = await readImageFolderDataset(folder.path, { format: 'folder' }, context);
    expect(dataset.classNames).toEqual(['Apple', 'mango', 'zebra']);
    expect(dataset.shape).toEqual([32, 32, 3]);
    const trainSplit = dataset.splits.find((split) => split.name === 'train');
    expect(trainSplit?.count).toBe(7);
    expect([...(trainSplit?.labels ?? [])]).toEqual([0, 0, 1, 1, 1, 2, 2]);
    const images = trainSplit?.images ?? new Uint8Array();
    expect(imageAt(images, 1, 3072).equals(Buffer.from(train.get('Apple')?.[1] ?? []))).toBe(true);
    expect(imageAt(images, 4, 3072).equals(Buffer.from(train.get('mango')?.[2] ?? []))).toBe(true);
    expect(imageAt(images, 5, 3072).equals(Buffer.from(train.get('zebra')?.[0] ?? []))).toBe(true);
    expect(dataset.splits.find((split) => split.name === 'test')?.count).toBe(1);
    expect(dataset.ignoredFileCount).toBe(1);
    expect(dataset.unreadableFiles).toEqual([]);
  });

  it('resizes to the most common size by default and records the size spread', async () => {
    writeClassFolders(folder.path, [
      { name: 'a', count: 3, width: 32, height: 32 },
      { name: 'b', count: 2, width: 48, height: 40, kind: 'jpg' },
    ]);
    const dataset = await readImageFolderDataset(folder.path, { format: 'folder' }, context);
    expect(dataset.shape).toEqual([32, 32, 3]);
    expect(dataset.splits[0]?.images.length).toBe(5 * 32 * 32 * 3);
    expect(dataset.sizeSpread).toEqual([
      { width: 32, height: 32, channels: 3, count: 3 },
      { width: 48, height: 40, channels: 3, count: 2 },
    ]);
  });

  it('converts greyscale and alpha images to the chosen channel count and size', async () => {
    const written = writeClassFolders(folder.path, [
      { name: 'grey', count: 2, kind: 'grey-png' },
      { name: 'alpha', count: 2, kind: 'rgba-png' },
    ]);
    const rgb = await readImageFolderDataset(
      folder.path,
      { format: 'folder', size: { height: 16, width: 16 } },
      context,
    );
    expect(rgb.shape).toEqual([16, 16, 3]);
    const grey = await readImageFolderDataset(folder.path, { format: 'folder', channels: 1 }, context);
    expect(grey.shape).toEqual([32, 32, 1]);
    const opaque = imageAt(grey.splits[0]?.images ?? new Uint8Array(), 0, 1024);
    const source = written.get('alpha')?.[0] ?? new Uint8Array();
    // Opaque RGB to grey: close to the BT.601 luma of the source pixel.
    const luma = 0.299 * (source[0] ?? 0) + 0.587 * (source[1] ?? 0) + 0.114 * (source[2] ?? 0);
    expect(Math.abs((opaque[0] ?? 0) - luma)).toBeLessThan(3);
  });

  it('defaults to one channel when every image is greyscale', async () => {
    writeClassFolders(folder.path, [
      { name: 'a', count: 2, kind: 'grey-png' },
      { name: 'b', count: 2, kind: 'grey-png' },
    ]);
    const dataset = await readImageFolderDataset(folder.path, { format: 'folder' }, context);
    expect(dataset.shape).toEqual([32, 32, 1]);
  });

  it('lists a corrupt PNG among good ones and goes on', async () => {
    writeClassFolders(folder.path, [
      { name: 'a', count: 3 },
      { name: 'b', count: 3 },
    ]);
    const corrupt = path.join(folder.path, 'b', 'broken.png');
    writeCorruptPng(corrupt);
    const dataset = await readImageFolderDataset(folder.path, { format: 'folder' }, context);
    expect(dataset.splits[0]?.count).toBe(6);
    expect(dataset.unreadableFiles).toHaveLength(1);
    expect(dataset.unreadableFiles[0]?.file).toBe(corrupt);
    expect(dataset.unreadableFiles[0]?.reason.length).toBeGreaterThan(0);
  });

  it('fails when every image is corrupt', async () => {
    writeCorruptPng(path.join(folder.path, 'a', '1.png'));
    writeCorruptPng(path.join(folder.path, 'b', '1.png'));
    const error = await readImageFolderDataset(folder.path, { format: 'folder' }, context).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DatasetLayoutError);
    expect((error as DatasetLayoutError).file).toBe(folder.path);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^None of the 2 image files in ${folder.path} could be decoded \\(for example .*a/1\\.png: `,
      ),
    );
  });

  it('fails on an empty class folder, naming it', async () => {
    writeClassFolders(folder.path, [{ name: 'a', count: 2 }]);
    mkdirSync(path.join(folder.path, 'b'));
    writeFileSync(path.join(folder.path, 'b', 'readme.txt'), 'x');
    await expect(scanImageFolder(folder.path)).rejects.toThrow(
      `${path.join(folder.path, 'b')} is an empty class folder: it holds no .png, .jpg, .jpeg, .bmp, .webp images (only 1 other file).`,
    );
  });

  it('fails on a class with a single image, naming its folder', async () => {
    writeClassFolders(folder.path, [
      { name: 'a', count: 3 },
      { name: 'b', count: 1 },
    ]);
    const error = await readImageFolderDataset(folder.path, { format: 'folder' }, context).catch(
      (caught: unknown) => caught,
    );
    expect((error as DatasetLayoutError).file).toBe(path.join(folder.path, 'b'));
    expect((error as Error).message).toBe(
      `${path.join(folder.path, 'b')} holds only 1 readable image; a class needs at least 2 (one to train on and one to test on).`,
    );
  });

  it('fails when split folders are mixed with class folders', async () => {
    writeClassFolders(path.join(folder.path, 'train'), [{ name: 'a', count: 2 }]);
    writeClassFolders(folder.path, [{ name: 'cat', count: 2 }]);
    await expect(scanImageFolder(folder.path)).rejects.toThrow(
      /mixes split folders \(train\) with other folders \(cat\)/,
    );
  });

  it('fails when a test class has no training folder', async () => {
    writeClassFolders(path.join(folder.path, 'train'), [{ name: 'a', count: 2 }]);
    writeClassFolders(path.join(folder.path, 'test'), [{ name: 'b', count: 2 }]);
    await expect(scanImageFolder(folder.path)).rejects.toThrow(
      /test.b is a class that .*train does not have/,
    );
  });

  it('reads a class folder whose name is not UTF-8 (Latin-1 "café"), showing it as caf\\xE9', async () => {
    const latin1 = Buffer.concat([Buffer.from(folder.path), Buffer.from('/caf'), Buffer.from([0xe9])]);
    mkdirSync(latin1);
    const pixels = [seededBytes(41, 3072), seededBytes(42, 3072)];
    for (const [index, rgb] of pixels.entries()) {
      const file = Buffer.concat([latin1, Buffer.from(`/${index}.png`)]);
      writeFileSync(file, encodeWithPillow('png', 32, 32, rgb));
    }
    writeClassFolders(folder.path, [{ name: 'tea', count: 2 }]);
    const layout = await scanImageFolder(folder.path);
    expect(layout.classNames).toEqual(['caf\\xE9', 'tea']);
    expect(layout.classFolders.map((classFolder) => classFolder.folder)).toEqual([
      path.join(folder.path, 'caf\\xE9'),
      path.join(folder.path, 'tea'),
    ]);
    const dataset = await readImageFolderDataset(folder.path, { format: 'folder' }, context, layout);
    expect(dataset.unreadableFiles).toEqual([]);
    const train = dataset.splits[0];
    expect([...(train?.labels ?? [])]).toEqual([0, 0, 1, 1]);
    expect(imageAt(train?.images ?? new Uint8Array(), 1, 3072).equals(Buffer.from(pixels[1] ?? []))).toBe(
      true,
    );
  });

  it('escapes bytes that are not UTF-8 and control characters, and keeps valid UTF-8 as it is', () => {
    expect(escapedName(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('caf\\xE9');
    expect(escapedName(Buffer.from('café Ωμέγα 猫 🐈', 'utf8'))).toBe('café Ωμέγα 猫 🐈');
    expect(escapedName(Buffer.from([0x61, 0x0a, 0x62]))).toBe('a\\x0Ab');
    // An overlong encoding of "/" and a lone continuation byte are not UTF-8.
    expect(escapedName(Buffer.from([0xc0, 0xaf, 0x80]))).toBe('\\xC0\\xAF\\x80');
    expect(escapedName(Buffer.from([0xe2, 0x82]))).toBe('\\xE2\\x82');
  });
});
