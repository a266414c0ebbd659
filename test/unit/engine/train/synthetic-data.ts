import type { ImageSplit } from '../../../../src-main/engine/data/types.js';
import { Random } from '../../../../src-main/engine/train/random.js';

/** A small learnable split: class c brightens quadrant c of noisy 8x8 images. */
export function syntheticSplit(count: number, classes: number, seed: number, channels = 1): ImageSplit {
  const random = new Random(seed);
  const size = 8;
  const images = new Uint8Array(count * size * size * channels);
  const labels = new Uint16Array(count);
  for (let image = 0; image < count; image += 1) {
    const label = image % classes;
    labels[image] = label;
    const top = label < 2 ? 0 : 4;
    const left = label % 2 === 0 ? 0 : 4;
    for (let y = 0; y < size; y += 1) {
      for (let x = 0; x < size; x += 1) {
        const inside = y >= top && y < top + 4 && x >= left && x < left + 4;
        for (let channel = 0; channel < channels; channel += 1) {
          const value = (inside ? 160 : 60) + random.nextInt(60);
          images[((image * size + y) * size + x) * channels + channel] = value;
        }
      }
    }
  }
  return {
    images,
    labels,
    count,
    shape: [size, size, channels],
    classNames: Array.from({ length: classes }, (_, index) => `class ${index}`),
  };
}
