import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  channelStatistics,
  countPerClass,
  explainUnreadable,
  imbalanceRatio,
} from '../../../../../src-main/engine/data/import/analysis.js';
import { encodeWithPillow } from '../../../../fixtures/datasets/images.js';
import { seededBytes } from '../../../../fixtures/datasets/random.js';

/** What the image library says when asked to read `buffer`. */
async function decoderMessage(buffer: Buffer): Promise<string> {
  try {
    await sharp(buffer).metadata();
    await sharp(buffer).raw().toBuffer();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the buffer decoded without an error');
}

describe('dataset analysis', () => {
  it('computes per-channel mean and population std', () => {
    const images = Uint8Array.from([0, 10, 255, 2, 20, 255, 4, 30, 255, 6, 40, 255]);
    const statistics = channelStatistics(
      { name: 'train', images, labels: Uint16Array.from([0, 1]), count: 2 },
      3,
    );
    expect(statistics.mean).toEqual([3, 25, 255]);
    expect(statistics.std[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(statistics.std[1]).toBeCloseTo(Math.sqrt(125), 12);
    expect(statistics.std[2]).toBe(0);
  });

  it('counts classes and their imbalance', () => {
    const counts = countPerClass(
      { name: 'train', images: new Uint8Array(5), labels: Uint16Array.from([0, 2, 2, 2, 0]), count: 5 },
      3,
    );
    expect(counts).toEqual([2, 0, 3]);
    expect(imbalanceRatio(counts)).toBeNull();
    expect(imbalanceRatio([2, 8, 4])).toBe(4);
  });

  it('puts real decoder messages into plain words, keeping the decoder text as the detail', async () => {
    const rgb = seededBytes(9, 32 * 32 * 3);
    const png = encodeWithPillow('png', 32, 32, rgb);
    const jpeg = encodeWithPillow('jpg', 32, 32, rgb);
    const damagedHeader = Buffer.concat([png.subarray(0, 8), Buffer.alloc(200, 0x55)]);
    const cases = [
      {
        file: '/data/cat/1.png',
        raw: await decoderMessage(damagedHeader),
        reason: 'this file is not a valid PNG: its header is damaged',
      },
      {
        file: '/data/cat/2.jpg',
        raw: await decoderMessage(jpeg.subarray(0, jpeg.length >> 1)),
        reason: 'this file is not a valid JPEG: it ends too early (it is truncated)',
      },
      {
        file: '/data/cat/3.png',
        raw: await decoderMessage(Buffer.from('a text file with a .png name')),
        reason: 'this file is not a valid PNG: its content is in no image format the workbench reads',
      },
      { file: '/data/cat/4.webp', raw: await decoderMessage(Buffer.alloc(0)), reason: 'this file is empty' },
    ];
    expect(cases[0]?.raw).toContain('Input buffer has corrupt header');
    for (const { file, raw, reason } of cases) {
      const explained = explainUnreadable({ file, reason: raw });
      expect(explained).toEqual({ file, reason, detail: expect.any(String) as string });
      expect(explained.reason).not.toContain('Input buffer');
      // The detail is the decoder's text, each repeated line once.
      const lines = raw.split('\n').map((line) => line.trim());
      expect(explained.detail?.split('; ').sort()).toEqual([...new Set(lines)].sort());
    }
  });

  it('says plainly what it cannot name, and keeps the text', () => {
    expect(explainUnreadable({ file: '/data/a.bmp', reason: 'something unheard of' })).toEqual({
      file: '/data/a.bmp',
      reason: 'this file could not be decoded as a BMP',
      detail: 'something unheard of',
    });
  });
});
