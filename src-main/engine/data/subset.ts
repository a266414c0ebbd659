import type { ImageSplit } from './types.js';

/**
 * The first `count` images of a seeded shuffle of `split` (the whole split when it has no more), so a quick
 * run sees the same images every time for the same seed.
 */
export function takeSubset(split: ImageSplit, count: number | null, seed: number): ImageSplit {
  if (count === null || count >= split.count) return split;
  const order = Uint32Array.from({ length: split.count }, (_, index) => index);
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    const value = order[index] ?? 0;
    order[index] = order[other] ?? 0;
    order[other] = value;
  }
  const chosen = order.subarray(0, count).sort();
  const [height, width, channels] = split.shape;
  const imageSize = height * width * channels;
  const images = new Uint8Array(count * imageSize);
  const labels = new Uint16Array(count);
  chosen.forEach((source, target) => {
    images.set(split.images.subarray(source * imageSize, (source + 1) * imageSize), target * imageSize);
    labels[target] = split.labels[source] ?? 0;
  });
  return { images, labels, count, shape: split.shape, classNames: split.classNames };
}

/** The seed of every run's test subset: fixed, so the teacher and every seed of every method share one. */
const testSubsetSeed = 0;

/**
 * The test images a run is measured on: the whole test split, or the experiment's test-image limit of it,
 * chosen the same way for every run, so every figure of an experiment (and of its exports) uses the same images.
 */
export function takeTestSubset(split: ImageSplit, count: number | null): ImageSplit {
  return takeSubset(split, count, testSubsetSeed);
}
