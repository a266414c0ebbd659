import { describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../../../src-main/engine/data/formats/bmp.js';
import { encodeWithPillow } from '../../../../fixtures/datasets/images.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';

function header(
  width: number,
  height: number,
  bitsPerPixel: number,
  compression: number,
  extra: number,
): Buffer {
  const out = Buffer.alloc(54);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(54 + extra, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bitsPerPixel, 28);
  out.writeUInt32LE(compression, 30);
  return out;
}

describe('BMP decoder', () => {
  it('decodes a bottom-up 24-bit BMP with row padding, as Pillow writes it', () => {
    const rgb = seededBytes(1, 5 * 3 * 3);
    const bmp = encodeWithPillow('bmp', 5, 3, rgb);
    // Pillow writes 24-bit rows bottom-up (positive height), each padded to 4 bytes: 5 × 3 = 15 → 16.
    expect([bmp.readInt32LE(22), bmp.readUInt16LE(28), bmp.length - bmp.readUInt32LE(10)]).toEqual([
      3, 24, 48,
    ]);
    const decoded = decodeBmp(bmp);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([5, 3, 3]);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(rgb))).toBe(true);
  });

  it('decodes a top-down 8-bit palette BMP', () => {
    const palette = Buffer.from([255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0]);
    const file = Buffer.concat([
      header(2, -2, 8, 0, palette.length),
      palette,
      Buffer.from([0, 1, 0, 0, 2, 0, 0, 0]),
    ]);
    file.writeUInt32LE(3, 46);
    const decoded = decodeBmp(file);
    expect([...decoded.pixels]).toEqual([0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 0, 255]);
    file[54 + palette.length] = 7;
    expect(() => decodeBmp(file)).toThrow('BMP palette index 7 is outside its 3 colours');
  });

  it('decodes 32-bit pixels with bit-field masks and refuses compressed or truncated files', () => {
    const masks = Buffer.alloc(12);
    masks.writeUInt32LE(0x000000ff, 0);
    masks.writeUInt32LE(0x0000ff00, 4);
    masks.writeUInt32LE(0x00ff0000, 8);
    const pixel = Buffer.from([10, 20, 30, 0]);
    const decoded = decodeBmp(Buffer.concat([header(1, 1, 32, 3, 12), masks, pixel]));
    expect([...decoded.pixels]).toEqual([10, 20, 30]);
    expect(() => decodeBmp(Buffer.concat([header(1, 1, 8, 1, 0), Buffer.alloc(4)]))).toThrow(
      /compression 1 is not supported/,
    );
    expect(() => decodeBmp(encodeWithPillow('bmp', 4, 4, seededBytes(2, 48)).subarray(0, 80))).toThrow(
      'BMP pixel data is truncated',
    );
  });
});
