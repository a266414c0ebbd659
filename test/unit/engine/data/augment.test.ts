import { describe, expect, it } from 'vitest';
import { BatchAssembler } from '../../../../src-main/engine/data/augment.js';
import type { ImageSplit } from '../../../../src-main/engine/data/types.js';
import { Random } from '../../../../src-main/engine/train/random.js';

function split(count: number, height: number, width: number, channels: number): ImageSplit {
  const images = Uint8Array.from(
    { length: count * height * width * channels },
    (_, index) => (index * 37 + 11) % 256,
  );
  const labels = Uint16Array.from({ length: count }, (_, index) => index % 3);
  return { images, labels, count, shape: [height, width, channels], classNames: ['a', 'b', 'c'] };
}

const statistics = { mean: [100, 50, 10], std: [2, 4, 8] };

function pixel(data: ImageSplit, image: number, y: number, x: number, channel: number): number {
  const [height, width, channels] = data.shape;
  return data.images[((image * height + y) * width + x) * channels + channel] ?? Number.NaN;
}

describe('BatchAssembler', () => {
  it('normalises every channel with its own mean and deviation and copies the labels', () => {
    const data = split(3, 4, 5, 3);
    const assembler = new BatchAssembler(data, statistics);
    const images = new Float32Array(2 * assembler.imageSize);
    const labels = new Int32Array(2);
    assembler.assemble(Uint32Array.from([2, 0]), images, labels);
    expect(Array.from(labels)).toEqual([2, 0]);
    for (let y = 0; y < 4; y += 1) {
      for (let x = 0; x < 5; x += 1) {
        for (let channel = 0; channel < 3; channel += 1) {
          const expected =
            (pixel(data, 2, y, x, channel) - (statistics.mean[channel] ?? 0)) /
            (statistics.std[channel] ?? 1);
          expect(images[(y * 5 + x) * 3 + channel]).toBeCloseTo(expected, 5);
        }
      }
    }
  });

  it('crops a zero-padded image and flips it, with the padding normalised like a black pixel', () => {
    const data = split(1, 6, 6, 3);
    const assembler = new BatchAssembler(data, statistics);
    const images = new Float32Array(assembler.imageSize);
    const labels = new Int32Array(1);
    const seen = new Set<string>();
    const random = new Random(4);
    for (let trial = 0; trial < 60; trial += 1) {
      const state = random.state;
      assembler.assemble(
        Uint32Array.of(0),
        images,
        labels,
        { randomCrop: true, padding: 2, horizontalFlip: true },
        random,
      );
      // Replays the draws the assembler made: crop offsets in [-2, 2] then the flip.
      const replay = Random.fromState(state);
      const offsetY = replay.nextInt(5) - 2;
      const offsetX = replay.nextInt(5) - 2;
      const flipped = replay.nextFloat() < 0.5;
      seen.add(`${offsetY},${offsetX},${flipped}`);
      for (let y = 0; y < 6; y += 1) {
        for (let x = 0; x < 6; x += 1) {
          const sourceY = y + offsetY;
          const sourceX = (flipped ? 5 - x : x) + offsetX;
          const inside = sourceY >= 0 && sourceY < 6 && sourceX >= 0 && sourceX < 6;
          for (let channel = 0; channel < 3; channel += 1) {
            const raw = inside ? pixel(data, 0, sourceY, sourceX, channel) : 0;
            const expected = (raw - (statistics.mean[channel] ?? 0)) / (statistics.std[channel] ?? 1);
            expect(images[(y * 6 + x) * 3 + channel]).toBeCloseTo(expected, 5);
          }
        }
      }
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it('rejects statistics that do not match the images', () => {
    expect(() => new BatchAssembler(split(1, 2, 2, 1), statistics)).toThrow(/3 means .* 1 channels/);
    expect(() => new BatchAssembler(split(1, 2, 2, 1), { mean: [0], std: [0] })).toThrow(/deviation 0/);
  });
});
