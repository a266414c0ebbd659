import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ImageShape } from '../types.js';
import type { DecodedSplit } from '../formats/types.js';

/**
 * Writes the first `perClass` images of each class of a split as PNGs under `<directory>/thumbnails` and
 * returns their paths relative to `directory`, per class index.
 */
export async function writeThumbnails(
  directory: string,
  split: DecodedSplit,
  shape: ImageShape,
  classCount: number,
  perClass: number,
): Promise<string[][]> {
  const [height, width, channels] = shape;
  const imageBytes = height * width * channels;
  const chosen: number[][] = Array.from({ length: classCount }, () => []);
  for (let index = 0; index < split.count; index += 1) {
    const members = chosen[split.labels[index] ?? 0];
    if (members !== undefined && members.length < perClass) members.push(index);
  }
  await fs.mkdir(path.join(directory, 'thumbnails'));
  const written: string[][] = [];
  for (const [classIndex, members] of chosen.entries()) {
    const files: string[] = [];
    for (const [position, index] of members.entries()) {
      const relative = path.join('thumbnails', `${classIndex}-${position}.png`);
      const pixels = split.images.subarray(index * imageBytes, (index + 1) * imageBytes);
      let image = sharp(pixels, { raw: { width, height, channels: channels as 1 | 3 } });
      if (channels === 1) image = image.toColourspace('b-w');
      await image.png().toFile(path.join(directory, relative));
      files.push(relative);
    }
    written.push(files);
  }
  return written;
}
