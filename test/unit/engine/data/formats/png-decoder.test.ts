import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePlainPng } from '../../../../../src-main/engine/data/formats/png-decoder.js';
import { encodePngWithFilters } from '../../../../fixtures/datasets/images.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';

/** Smooth content, so the encoder picks a mix of PNG filters rather than none. */
function gradient(width: number, height: number, channels: number, seed: number): Uint8Array {
  const noise = seededBytes(seed, width * height * channels);
  return noise.map((value, index) => {
    const pixel = Math.floor(index / channels);
    return (
      ((pixel % width) * 5 + Math.floor(pixel / width) * 3 + (value & 7) + (index % channels) * 40) & 0xff
    );
  });
}

describe('plain PNG decoder', () => {
  it.each([
    ['RGB, adaptive filters', 3, { adaptiveFiltering: true, compressionLevel: 9 }],
    ['RGB, no filter choice', 3, { adaptiveFiltering: false, compressionLevel: 1 }],
    ['greyscale, adaptive filters', 1, { adaptiveFiltering: true, compressionLevel: 6 }],
  ] as const)('decodes %s exactly as the image library does', async (_label, channels, options) => {
    for (const seed of [1, 2, 3]) {
      const pixels = gradient(23, 17, channels, seed);
      let image = sharp(pixels, { raw: { width: 23, height: 17, channels } });
      if (channels === 1) image = image.toColourspace('b-w');
      const png = await image.png(options).toBuffer();
      const reference = await sharp(png)
        .toColourspace(channels === 1 ? 'b-w' : 'srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const decoded = decodePlainPng(png);
      expect(decoded).toMatchObject({ width: 23, height: 17, channels });
      expect(reference.info.channels).toBe(channels);
      expect(Buffer.from(decoded?.pixels ?? []).equals(reference.data)).toBe(true);
      expect(Buffer.from(decoded?.pixels ?? []).equals(Buffer.from(pixels))).toBe(true);
    }
  });

  it.each([1, 3] as const)('undoes each of the five row filters (%i channels)', async (channels) => {
    const pixels = seededBytes(11 + channels, 9 * 10 * channels);
    const png = encodePngWithFilters(9, 10, channels, pixels, (row) => row % 5);
    const decoded = decodePlainPng(png);
    expect(Buffer.from(decoded?.pixels ?? []).equals(Buffer.from(pixels))).toBe(true);
    const reference = await sharp(png)
      .toColourspace(channels === 1 ? 'b-w' : 'srgb')
      .raw()
      .toBuffer();
    expect(reference.equals(Buffer.from(pixels))).toBe(true);
  });

  it('leaves alpha, palette and 16-bit PNGs to the image library', async () => {
    const rgb = gradient(8, 8, 3, 4);
    const rgba = await sharp(rgb, { raw: { width: 8, height: 8, channels: 3 } })
      .ensureAlpha(0.5)
      .png()
      .toBuffer();
    const palette = await sharp(rgb, { raw: { width: 8, height: 8, channels: 3 } })
      .png({ palette: true })
      .toBuffer();
    const deep = await sharp(rgb, { raw: { width: 8, height: 8, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect(decodePlainPng(rgba)).toBeUndefined();
    expect(decodePlainPng(palette)).toBeUndefined();
    expect(decodePlainPng(deep)).toBeUndefined();
  });

  it('refuses a PNG whose chunk checksum is wrong, and a truncated one', async () => {
    const png = await sharp(gradient(8, 8, 3, 5), { raw: { width: 8, height: 8, channels: 3 } })
      .png()
      .toBuffer();
    expect(decodePlainPng(png)).toBeDefined();
    const damaged = Buffer.from(png);
    const idat = damaged.indexOf('IDAT');
    damaged[idat + 6] = (damaged[idat + 6] ?? 0) ^ 0xff;
    expect(decodePlainPng(damaged)).toBeUndefined();
    expect(decodePlainPng(png.subarray(0, png.length - 20))).toBeUndefined();
  });
});
