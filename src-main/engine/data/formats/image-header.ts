/** Width, height and channel count of an encoded image, read from its header without decoding. */
export interface ImageHeader {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const pngChannelsByColourType: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** True when the buffer starts with the PNG signature. */
export function isPng(buffer: Uint8Array): boolean {
  return pngSignature.every((byte, index) => buffer[index] === byte);
}

/** True when the buffer starts with "BM", the BMP signature. */
export function isBmp(buffer: Uint8Array): boolean {
  return buffer[0] === 0x42 && buffer[1] === 0x4d;
}

/**
 * Reads a PNG's IHDR chunk. Returns undefined when the header is not a plain PNG header, so the caller
 * falls back to a full decoder's metadata; decoding catches any later corruption.
 */
export function readPngHeader(buffer: Buffer): ImageHeader | undefined {
  if (buffer.length < 33 || !isPng(buffer) || buffer.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const channels = pngChannelsByColourType[buffer[25] ?? -1];
  if (channels === undefined) return undefined;
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20), channels };
}
