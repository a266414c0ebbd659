import { crc32, inflateSync } from 'node:zlib';
import { isPng } from './image-header.js';

/** Bytes per pixel of the PNG colour types this decoder handles, at 8 bits per sample. */
const channelsByColourType: Readonly<Record<number, number>> = { 0: 1, 2: 3 };

/**
 * Decodes the plain PNGs that image datasets are made of (8-bit greyscale or RGB, not interlaced) with
 * node:zlib, checking every chunk's CRC. It is a fast path: per image it costs a small fraction of a
 * full image-library call, which is what lets a folder of small PNGs import at thousands per second.
 * Returns undefined for any other PNG (palette, alpha, 16-bit, interlaced) or anything it cannot
 * verify, so the caller decodes that with the full library, which also reports the error. Throws when the
 * pixel data decompresses past the size the header declares (a decompression bomb), which no decoder
 * should be handed.
 */
export function decodePlainPng(
  buffer: Buffer,
): { width: number; height: number; channels: number; pixels: Uint8Array } | undefined {
  if (buffer.length < 45 || !isPng(buffer)) return undefined;
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  let ended = false;
  while (offset + 12 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > buffer.length) return undefined;
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (crc32(buffer.subarray(offset + 4, offset + 8 + length)) !== buffer.readUInt32BE(offset + 8 + length))
      return undefined;
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      if (length !== 13) return undefined;
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const bitDepth = body[8];
      const colourType = body[9] ?? -1;
      const interlaced = body[12] !== 0;
      channels = channelsByColourType[colourType] ?? 0;
      if (bitDepth !== 8 || channels === 0 || interlaced || body[10] !== 0 || body[11] !== 0)
        return undefined;
    } else if (type === 'IDAT') {
      data.push(body);
    } else if (type === 'IEND') {
      ended = true;
      break;
    } else if (type === 'tRNS' || type === 'PLTE') {
      return undefined;
    }
    offset = end;
  }
  if (!ended || channels === 0 || data.length === 0 || width === 0 || height === 0) return undefined;
  const stride = width * channels;
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    // The header fixes the size of the filtered rows, so inflation may stop there.
    raw = inflateSync(data.length === 1 ? (data[0] ?? Buffer.alloc(0)) : Buffer.concat(data), {
      maxOutputLength: expected,
    });
  } catch (error) {
    if (isTooLarge(error)) {
      throw new Error(
        `its pixel data decompresses to more than the ${width}x${height}x${channels} image its header declares`,
        { cause: error },
      );
    }
    return undefined;
  }
  if (raw.length !== expected) return undefined;
  const pixels = new Uint8Array(height * stride);
  for (let row = 0; row < height; row += 1) {
    const filter = raw[row * (stride + 1)];
    const source = row * (stride + 1) + 1;
    const target = row * stride;
    const previous = target - stride;
    for (let index = 0; index < stride; index += 1) {
      const value = raw[source + index] ?? 0;
      const left = index >= channels ? (pixels[target + index - channels] ?? 0) : 0;
      const up = row > 0 ? (pixels[previous + index] ?? 0) : 0;
      const upLeft = row > 0 && index >= channels ? (pixels[previous + index - channels] ?? 0) : 0;
      let predicted: number;
      switch (filter) {
        case 0:
          predicted = 0;
          break;
        case 1:
          predicted = left;
          break;
        case 2:
          predicted = up;
          break;
        case 3:
          predicted = (left + up) >> 1;
          break;
        case 4:
          predicted = paeth(left, up, upLeft);
          break;
        default:
          return undefined;
      }
      pixels[target + index] = (value + predicted) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

function isTooLarge(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE'
  );
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}
