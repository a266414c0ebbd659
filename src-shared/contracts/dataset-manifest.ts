import { z } from 'zod';
import { parseStoredJson } from './stored-json.js';

/**
 * What a dataset cache holds as JSON: its manifest (`manifest.json`) and health report (`health.json`), as the
 * import writes them. They are parsed through these schemas wherever they enter: from the worker, from the
 * store and from disk. Fields added after the first caches were written are optional.
 */

/** The dataset formats import understands. */
export const datasetFormats = ['cifar10', 'cifar100', 'svhn', 'cinic10', 'folder', 'idx'] as const;
export type DatasetFormat = (typeof datasetFormats)[number];

/** The splits a cache can hold. */
export const splitNames = ['train', 'validation', 'test', 'extra'] as const;
export type SplitName = (typeof splitNames)[number];

/** Height, width and channels of every image of a dataset. */
export type ImageShape = readonly [height: number, width: number, channels: number];

/** Per-channel mean and standard deviation of the training pixels, on the 0..255 scale. */
export interface ChannelStatistics {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** One split as the manifest records it. */
export interface CachedSplitEntry {
  readonly name: SplitName;
  readonly count: number;
  readonly countsPerClass: readonly number[];
  /** uint8 NHWC pixels, `count * height * width * channels` bytes. */
  readonly imagesFile: string;
  /** uint16 little-endian labels, `count * 2` bytes. */
  readonly labelsFile: string;
}

/** The manifest of one imported dataset (`<cache>/manifest.json`). */
export interface DatasetManifest {
  readonly version: number;
  readonly name: string;
  readonly format: DatasetFormat;
  readonly sources: readonly string[];
  readonly importedAt: string;
  readonly classNames: readonly string[];
  readonly shape: ImageShape;
  readonly splits: readonly CachedSplitEntry[];
  /** Per-channel mean and std of the train split, on the 0..255 scale. */
  readonly statistics: ChannelStatistics;
  /** SHA-256 of the content (class names, shape, every split's pixels and labels); not of the paths. */
  readonly fingerprint: string;
  /** How the validation split was carved from train, or null when none was (or the source had one). */
  readonly validation: { readonly fraction: number; readonly seed: number } | null;
  /** How the test split was carved from train when the source had none, else null. */
  readonly carvedTest: { readonly fraction: number; readonly seed: number } | null;
  /** Thumbnail PNGs per class index, paths relative to the cache folder. */
  readonly thumbnails: readonly (readonly string[])[];
  readonly healthFile: string;
}

/** Exact-duplicate images inside one split. */
export interface SplitDuplicates {
  readonly split: SplitName;
  /** Sets of two or more identical images. */
  readonly groups: number;
  /** Images beyond the first of each set (what removing duplicates would remove). */
  readonly extraCopies: number;
}

/** Images of `split` that also appear, pixel for pixel, in `otherSplit` (an earlier split). */
export interface CrossSplitDuplicates {
  readonly split: SplitName;
  readonly otherSplit: SplitName;
  readonly images: number;
}

/** One set of identical images, as an example for the user. */
export interface DuplicateExample {
  readonly members: readonly { readonly split: SplitName; readonly index: number; readonly label: number }[];
}

/** A file the reader could not decode, with why. */
export interface UnreadableFile {
  readonly file: string;
  /** Why, in plain words ("this file is not a valid PNG: its header is damaged"). */
  readonly reason: string;
  /** The decoder's own message, for whoever wants the technical detail. */
  readonly detail?: string | undefined;
}

/** How many source images had one size (before any resizing). */
export interface SizeCount {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly count: number;
}

/** The health report of one imported dataset (`<cache>/health.json`). */
export interface HealthReport {
  readonly version: number;
  readonly classNames: readonly string[];
  readonly countsPerClass: readonly { readonly split: SplitName; readonly counts: readonly number[] }[];
  /** Largest over smallest class count in train; null when a class has no training image. */
  readonly imbalanceRatio: number | null;
  readonly duplicates: {
    readonly withinSplits: readonly SplitDuplicates[];
    readonly acrossSplits: readonly CrossSplitDuplicates[];
    /** Sets of identical images that carry different labels. */
    readonly conflictingLabels: number;
    /** At most 20 sets, for the UI. */
    readonly examples: readonly DuplicateExample[];
  };
  readonly unreadableFiles: readonly UnreadableFile[];
  readonly ignoredFileCount: number;
  /** Sizes of the source images before resizing, most common first. */
  readonly sizeSpread: readonly SizeCount[];
  readonly notes: readonly string[];
}

const count = z.number().int().nonnegative();
const splitName = z.enum(splitNames);
/** A file inside the cache folder, never a path that leaves it. */
const cacheFileName = z
  .string()
  .min(1)
  .refine((name) => !/[\\/]/.test(name) && name !== '..' && name !== '.', {
    message: 'must be a file name inside the cache folder',
  });
const carving = z.object({ fraction: z.number().min(0).lt(1), seed: z.number().int() }).nullable();

/** The manifest as manifest.json holds it. */
export const datasetManifestSchema: z.ZodType<DatasetManifest> = z.object({
  version: z.number().int(),
  name: z.string(),
  format: z.enum(datasetFormats),
  sources: z.array(z.string()),
  importedAt: z.string(),
  classNames: z.array(z.string()).min(1, 'must name at least one class'),
  shape: z.tuple([count.positive(), count.positive(), count.positive()]),
  splits: z
    .array(
      z.object({
        name: splitName,
        count,
        countsPerClass: z.array(count),
        imagesFile: cacheFileName,
        labelsFile: cacheFileName,
      }),
    )
    .min(1, 'must list at least one split'),
  statistics: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest'),
  validation: carving,
  carvedTest: carving,
  thumbnails: z.array(z.array(z.string())),
  healthFile: cacheFileName,
});

/** The health report as health.json holds it; `detail` of an unreadable file came later. */
export const healthReportSchema: z.ZodType<HealthReport> = z.object({
  version: z.number().int(),
  classNames: z.array(z.string()),
  countsPerClass: z.array(z.object({ split: splitName, counts: z.array(count) })),
  imbalanceRatio: z.number().nullable(),
  duplicates: z.object({
    withinSplits: z.array(z.object({ split: splitName, groups: count, extraCopies: count })),
    acrossSplits: z.array(z.object({ split: splitName, otherSplit: splitName, images: count })),
    conflictingLabels: count,
    examples: z.array(
      z.object({ members: z.array(z.object({ split: splitName, index: count, label: count })) }),
    ),
  }),
  unreadableFiles: z.array(z.object({ file: z.string(), reason: z.string(), detail: z.string().optional() })),
  ignoredFileCount: count,
  sizeSpread: z.array(z.object({ width: count, height: count, channels: count, count })),
  notes: z.array(z.string()),
});

/** Reads a dataset manifest (JSON text or a decoded value), or throws naming `source` and its first problems. */
export function parseDatasetManifest(
  input: { readonly text: string } | { readonly value: unknown },
  source: string,
): DatasetManifest {
  return parseStoredJson(datasetManifestSchema, input, source, 'a dataset manifest');
}

/** Reads a dataset health report (JSON text or a decoded value), or throws naming `source` and its first problems. */
export function parseHealthReport(
  input: { readonly text: string } | { readonly value: unknown },
  source: string,
): HealthReport {
  return parseStoredJson(healthReportSchema, input, source, 'a dataset health report');
}
