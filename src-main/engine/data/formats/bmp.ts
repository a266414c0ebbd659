import type { ImageHeader } from './image-header.js';

/** A decoded BMP: RGB or RGBA pixels, top row first. */
export interface DecodedBmp extends ImageHeader {
  readonly pixels: Buffer;
}

const uncompressed = 0;
const bitFields = 3;

/**
 * Decodes the BMP variants image datasets use: uncompressed 8-bit palette, 24-bit and 32-bit (plain or
 * with bit fields), bottom-up or top-down. The bundled image library has no BMP loader, hence this reader.
 * Throws an Error with the reason for anything else.
 */
export function decodeBmp(buffer: Buffer): DecodedBmp {
  if (buffer.length < 54 || buffer[0] !== 0x42 || buffer[1] !== 0x4d)
    throw new Error('not a BMP file (no "BM" signature)');
  const dataOffset = buffer.readUInt32LE(10);
  const headerSize = buffer.readUInt32LE(14);
  if (headerSize < 40) throw new Error(`BMP core header (${headerSize} bytes) is not supported`);
  const width = buffer.readInt32LE(18);
  const signedHeight = buffer.readInt32LE(22);
  const bitsPerPixel = buffer.readUInt16LE(28);
  const compression = buffer.readUInt32LE(30);
  const height = Math.abs(signedHeight);
  if (width <= 0 || height === 0) throw new Error(`BMP has invalid size ${width}x${signedHeight}`);
  const topDown = signedHeight < 0;
  const paletteOnly = bitsPerPixel === 8 && compression === uncompressed;
  const direct =
    (bitsPerPixel === 24 && compression === uncompressed) ||
    (bitsPerPixel === 32 && (compression === uncompressed || compression === bitFields));
  if (!paletteOnly && !direct) {
    throw new Error(
      `BMP with ${bitsPerPixel} bits per pixel and compression ${compression} is not supported`,
    );
  }
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (dataOffset + rowBytes * height > buffer.length) throw new Error('BMP pixel data is truncated');
  let masks = { red: 0x00ff0000, green: 0x0000ff00, blue: 0x000000ff, alpha: 0 };
  if (compression === bitFields) {
    const maskOffset = headerSize >= 52 ? 14 + 40 : 14 + headerSize;
    masks = {
      red: buffer.readUInt32LE(maskOffset),
      green: buffer.readUInt32LE(maskOffset + 4),
      blue: buffer.readUInt32LE(maskOffset + 8),
      alpha: headerSize >= 56 ? buffer.readUInt32LE(maskOffset + 12) : 0,
    };
  }
  const channels = masks.alpha !== 0 ? 4 : 3;
  const pixels = Buffer.alloc(width * height * channels);
  const paletteStart = 14 + headerSize;
  const paletteEntries = paletteOnly ? buffer.readUInt32LE(46) || 256 : 0;
  for (let row = 0; row < height; row += 1) {
    const sourceRow = dataOffset + (topDown ? row : height - 1 - row) * rowBytes;
    for (let column = 0; column < width; column += 1) {
      const target = (row * width + column) * channels;
      if (paletteOnly) {
        const index = buffer[sourceRow + column] ?? 0;
        if (index >= paletteEntries)
          throw new Error(`BMP palette index ${index} is outside its ${paletteEntries} colours`);
        const entry = paletteStart + index * 4;
        pixels[target] = buffer[entry + 2] ?? 0;
        pixels[target + 1] = buffer[entry + 1] ?? 0;
        pixels[target + 2] = buffer[entry] ?? 0;
      } else if (bitsPerPixel === 24) {
        const source = sourceRow + column * 3;
        pixels[target] = buffer[source + 2] ?? 0;
        pixels[target + 1] = buffer[source + 1] ?? 0;
        pixels[target + 2] = buffer[source] ?? 0;
      } else {
        const value = buffer.readUInt32LE(sourceRow + column * 4);
        pixels[target] = extract(value, masks.red);
        pixels[target + 1] = extract(value, masks.green);
        pixels[target + 2] = extract(value, masks.blue);
        if (channels === 4) pixels[target + 3] = extract(value, masks.alpha);
      }
    }
  }
  return { width, height, channels, pixels };
}

function extract(value: number, mask: number): number {
  if (mask === 0) return 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift += 1;
  const maximum = mask >>> shift;
  return Math.round((((value & mask) >>> shift) * 255) / maximum);
}
