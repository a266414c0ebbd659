import { writeDirectoryAtomically } from '../files/atomic-directory.js';
import type { DatasetManifest, HealthReport } from './cache.js';
import {
  cacheVersion,
  computeFingerprint,
  healthFileName,
  splitFileNames,
  writeCacheFiles,
} from './cache.js';
import type { DecodedSplit } from './formats/types.js';
import { channelStatistics, countPerClass, findDuplicates, imbalanceRatio } from './import/analysis.js';
import { writeThumbnails } from './import/thumbnails.js';
import type { ImageShape } from './types.js';

/** The classes of the demo dataset: shapes and textures, each drawn in random colours. */
export const demoClassNames = [
  'disc',
  'square',
  'triangle',
  'ring',
  'cross',
  'horizontal stripes',
  'vertical stripes',
  'checkerboard',
  'diagonal stripes',
  'dots',
] as const;

export const demoDatasetName = 'Demo shapes';

/** Changes whenever the generator draws different pixels for the same options, so a stored copy is not reused. */
export const demoGeneratorVersion = 1;
export const demoShape: ImageShape = [32, 32, 3];

/** How many images of each split to draw, and the seed that makes them the same every time. */
export interface DemoDatasetOptions {
  readonly trainCount: number;
  readonly testCount: number;
  readonly seed: number;
}

export const defaultDemoOptions: DemoDatasetOptions = { trainCount: 3_000, testCount: 600, seed: 1 };

/** The generated demo dataset, split by split, as an import would have decoded it. */
export interface DemoDataset {
  readonly classNames: readonly string[];
  readonly shape: ImageShape;
  readonly splits: readonly DecodedSplit[];
  readonly fingerprint: string;
}

function seededRandom(seed: number): () => number {
  let state = (seed ^ 0x5bd1e995) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Colour = readonly [number, number, number];

function randomColour(random: () => number): Colour {
  return [Math.floor(random() * 256), Math.floor(random() * 256), Math.floor(random() * 256)];
}

function colourDistance(first: Colour, second: Colour): number {
  return Math.hypot(first[0] - second[0], first[1] - second[1], first[2] - second[2]);
}

/** Whether pixel (x, y) belongs to the foreground of one drawing of a class. */
type Painter = (x: number, y: number) => boolean;

function painterFor(classIndex: number, random: () => number, size: number): Painter {
  // Shapes take up 35-70% of the image so a small network can tell them apart in a few epochs.
  const radius = size * (0.18 + random() * 0.17);
  const centreX = radius + random() * (size - 2 * radius);
  const centreY = radius + random() * (size - 2 * radius);
  const period = 4 + Math.floor(random() * 5);
  const phase = Math.floor(random() * period);
  const thickness = Math.max(1.5, radius * (0.25 + random() * 0.15));
  switch (classIndex) {
    case 0:
      return (x, y) => Math.hypot(x - centreX, y - centreY) <= radius;
    case 1:
      return (x, y) => Math.abs(x - centreX) <= radius && Math.abs(y - centreY) <= radius;
    case 2:
      return (x, y) => {
        const top = centreY - radius;
        const bottom = centreY + radius;
        if (y < top || y > bottom) return false;
        const halfWidth = ((y - top) / (bottom - top)) * radius;
        return Math.abs(x - centreX) <= halfWidth;
      };
    case 3:
      return (x, y) => Math.abs(Math.hypot(x - centreX, y - centreY) - radius * 0.8) <= thickness / 2;
    case 4:
      return (x, y) =>
        (Math.abs(x - centreX) <= thickness / 2 && Math.abs(y - centreY) <= radius) ||
        (Math.abs(y - centreY) <= thickness / 2 && Math.abs(x - centreX) <= radius);
    case 5:
      return (_x, y) => (y + phase) % period < period / 2;
    case 6:
      return (x) => (x + phase) % period < period / 2;
    case 7:
      return (x, y) => (Math.floor((x + phase) / period) + Math.floor((y + phase) / period)) % 2 === 0;
    case 8:
      return (x, y) => (x + y + phase) % period < period / 2;
    default:
      return (x, y) => {
        const cellX = (x + phase) % period;
        const cellY = (y + phase) % period;
        return Math.hypot(cellX - period / 2, cellY - period / 2) <= period / 4 + 0.5;
      };
  }
}

function drawImage(
  target: Uint8Array,
  offset: number,
  classIndex: number,
  random: () => number,
  shape: ImageShape,
): void {
  const [height, width, channels] = shape;
  const background = randomColour(random);
  let foreground = randomColour(random);
  // Colour carries no class information, but the shape must stay visible against its background.
  while (colourDistance(foreground, background) < 120) foreground = randomColour(random);
  const painter = painterFor(classIndex, random, Math.min(height, width));
  const noise = 10 + random() * 20;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const colour = painter(x + 0.5, y + 0.5) ? foreground : background;
      for (let channel = 0; channel < channels; channel += 1) {
        const jitter = (random() + random() + random() - 1.5) * noise;
        const value = Math.round((colour[channel] ?? 0) + jitter);
        target[offset + (y * width + x) * channels + channel] = Math.min(255, Math.max(0, value));
      }
    }
  }
}

function drawSplit(name: DecodedSplit['name'], count: number, random: () => number): DecodedSplit {
  const [height, width, channels] = demoShape;
  const imageBytes = height * width * channels;
  const images = new Uint8Array(count * imageBytes);
  const labels = new Uint16Array(count);
  for (let index = 0; index < count; index += 1) {
    const label = index % demoClassNames.length;
    labels[index] = label;
    drawImage(images, index * imageBytes, label, random, demoShape);
  }
  return { name, images, labels, count };
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < demoClassNames.length || value > 1_000_000) {
    throw new Error(
      `The demo dataset's ${name} must be a whole number from ${demoClassNames.length} (one image per class) to 1,000,000; got ${value}.`,
    );
  }
}

/** Draws the demo dataset in memory: the same pixels for the same options, on every machine. */
export function generateDemoDataset(options: DemoDatasetOptions = defaultDemoOptions): DemoDataset {
  checkCount('trainCount', options.trainCount);
  checkCount('testCount', options.testCount);
  // Separate streams, so the test images do not change when the number of training images does.
  const splits = [
    drawSplit('train', options.trainCount, seededRandom(options.seed * 2 + 1)),
    drawSplit('test', options.testCount, seededRandom(options.seed * 2 + 2)),
  ];
  return {
    classNames: demoClassNames,
    shape: demoShape,
    splits,
    fingerprint: computeFingerprint(demoClassNames, demoShape, splits),
  };
}

/**
 * Writes a generated demo dataset as a dataset cache in `target` (which must not exist), with the same
 * manifest, health report and thumbnails as an import, atomically. Returns the manifest.
 */
export async function writeDemoCache(
  dataset: DemoDataset,
  target: string,
  options: DemoDatasetOptions = defaultDemoOptions,
  name: string = demoDatasetName,
): Promise<DatasetManifest> {
  const classCount = dataset.classNames.length;
  const train = dataset.splits.find((split) => split.name === 'train');
  if (train === undefined) throw new Error('The demo dataset has no training split.');
  const countsPerClass = dataset.splits.map((split) => ({
    split: split.name,
    counts: countPerClass(split, classCount),
  }));
  const health: HealthReport = {
    version: cacheVersion,
    classNames: dataset.classNames,
    countsPerClass,
    imbalanceRatio: imbalanceRatio(countsPerClass[0]?.counts ?? []),
    duplicates: findDuplicates(dataset.splits, () => undefined),
    unreadableFiles: [],
    ignoredFileCount: 0,
    sizeSpread: [
      {
        width: dataset.shape[1],
        height: dataset.shape[0],
        channels: dataset.shape[2],
        count: dataset.splits.reduce((total, split) => total + split.count, 0),
      },
    ],
    notes: [
      `Generated by the workbench (seed ${options.seed}): ${classCount} classes of shapes and textures in random colours, positions and sizes, with pixel noise.`,
    ],
  };
  const described: Omit<DatasetManifest, 'thumbnails'> = {
    version: cacheVersion,
    name,
    // The cache format has no "generated" kind; image folders is the closest, and flips suit shapes.
    format: 'folder',
    sources: [`built-in demo generator, seed ${options.seed}`],
    importedAt: new Date().toISOString(),
    classNames: dataset.classNames,
    shape: dataset.shape,
    splits: dataset.splits.map((split, index) => ({
      name: split.name,
      count: split.count,
      countsPerClass: countsPerClass[index]?.counts ?? [],
      ...splitFileNames(split.name),
    })),
    statistics: channelStatistics(train, dataset.shape[2]),
    fingerprint: dataset.fingerprint,
    validation: null,
    carvedTest: null,
    healthFile: healthFileName,
  };
  let manifest: DatasetManifest = { ...described, thumbnails: [] };
  await writeDirectoryAtomically(target, async (temporary) => {
    manifest = {
      ...described,
      thumbnails: await writeThumbnails(temporary, train, dataset.shape, classCount, 4),
    };
    await writeCacheFiles(temporary, manifest, health, dataset.splits);
  });
  return manifest;
}
