import sharp from 'sharp';
import type { ImageShape } from '../types.js';
import type { DecodedSplit } from '../formats/types.js';
import { throwIfCancelled } from '../formats/source-files.js';

function convertChannels(pixels: Uint8Array, from: number, to: number): Uint8Array {
  if (from === to) return pixels;
  const count = pixels.length / from;
  const result = new Uint8Array(count * to);
  for (let pixel = 0; pixel < count; pixel += 1) {
    if (to === 3) {
      const value = pixels[pixel] ?? 0;
      result[pixel * 3] = value;
      result[pixel * 3 + 1] = value;
      result[pixel * 3 + 2] = value;
    } else {
      // ITU-R BT.601 luma, the usual RGB-to-grey weights.
      const red = pixels[pixel * 3] ?? 0;
      const green = pixels[pixel * 3 + 1] ?? 0;
      const blue = pixels[pixel * 3 + 2] ?? 0;
      result[pixel] = Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
    }
  }
  return result;
}

/**
 * Resizes (centre crop to the aspect, then scale) and converts the channels of decoded splits whose
 * shape differs from the target; splits already in shape are returned as they are.
 */
export async function convertSplits(
  splits: readonly DecodedSplit[],
  shape: ImageShape,
  target: ImageShape,
  signal: AbortSignal | undefined,
  source: string,
  onProgress: (done: number, total: number) => void,
): Promise<DecodedSplit[]> {
  const [height, width, channels] = shape;
  const [targetHeight, targetWidth, targetChannels] = target;
  if (height === targetHeight && width === targetWidth && channels === targetChannels) return [...splits];
  const total = splits.reduce((sum, split) => sum + split.count, 0);
  let done = 0;
  const converted: DecodedSplit[] = [];
  for (const split of splits) {
    if (height === targetHeight && width === targetWidth) {
      converted.push({ ...split, images: convertChannels(split.images, channels, targetChannels) });
      done += split.count;
      onProgress(done, total);
      continue;
    }
    const sourceBytes = height * width * channels;
    const targetBytes = targetHeight * targetWidth * targetChannels;
    const images = new Uint8Array(split.count * targetBytes);
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < split.count) {
        throwIfCancelled(signal, source);
        const index = next;
        next += 1;
        const pixels = split.images.subarray(index * sourceBytes, (index + 1) * sourceBytes);
        const { data, info } = await sharp(pixels, { raw: { width, height, channels: channels as 1 | 3 } })
          .resize(targetWidth, targetHeight, { fit: 'cover' })
          .toColourspace(targetChannels === 1 ? 'b-w' : 'srgb')
          .raw({ depth: 'uchar' })
          .toBuffer({ resolveWithObject: true });
        if (info.channels !== targetChannels || data.length !== targetBytes) {
          throw new Error(
            `resizing gave ${info.width}x${info.height}x${info.channels}, expected ${target.join('x')}`,
          );
        }
        images.set(data, index * targetBytes);
        done += 1;
        if (done % 1024 === 0) onProgress(done, total);
      }
    };
    await Promise.all(Array.from({ length: 8 }, runner));
    converted.push({ ...split, images });
  }
  onProgress(total, total);
  return converted;
}
