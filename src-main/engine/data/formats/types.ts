import type { ImageShape } from '../types.js';
import type {
  DatasetFormat,
  SizeCount,
  SplitName,
  UnreadableFile,
} from '../../../../src-shared/contracts/dataset-manifest.js';

export { datasetFormats, splitNames } from '../../../../src-shared/contracts/dataset-manifest.js';
export type {
  DatasetFormat,
  SizeCount,
  SplitName,
  UnreadableFile,
} from '../../../../src-shared/contracts/dataset-manifest.js';
import type { ImportLimits } from './limits.js';

/** Human-readable names of the formats, as the UI and CLI show them. */
export const datasetFormatLabels: Readonly<Record<DatasetFormat, string>> = {
  cifar10: 'CIFAR-10 binary',
  cifar100: 'CIFAR-100 binary',
  svhn: 'SVHN cropped digits (MATLAB .mat)',
  cinic10: 'CINIC-10 image folders',
  folder: 'Image folders',
  idx: 'IDX (MNIST-style)',
};

/** What auto-detection (or an explicit format) found at a picked path. */
export interface DetectedDataset {
  readonly format: DatasetFormat;
  /** The folder the dataset is read from. */
  readonly root: string;
  /** Files the import will read; for image folders the class folders, with the image count beside. */
  readonly files: readonly string[];
  /** Number of image files (image folders) or source files (other formats) that will be read. */
  readonly fileCount: number;
  /** One sentence for the user, e.g. "CIFAR-10 binary: 5 training batches and 1 test batch". */
  readonly description: string;
  /** When the picked file is an archive: its kind, entries and unpacked size (the format is read off its names). */
  readonly archive?:
    | { readonly kind: 'tar' | 'tar.gz' | 'zip'; readonly entryCount: number; readonly unpackedBytes: number }
    | undefined;
}

/** One split as a reader decoded it: uint8 NHWC pixels and one label per image. */
export interface DecodedSplit {
  readonly name: SplitName;
  readonly images: Uint8Array;
  readonly labels: Uint16Array;
  readonly count: number;
}

/** A whole dataset as a reader decoded it, with what it noticed on the way. */
export interface DecodedDataset {
  readonly format: DatasetFormat;
  readonly classNames: readonly string[];
  readonly shape: ImageShape;
  readonly splits: readonly DecodedSplit[];
  readonly sources: readonly string[];
  readonly unreadableFiles: readonly UnreadableFile[];
  readonly ignoredFileCount: number;
  readonly sizeSpread: readonly SizeCount[];
  /** Things the user should know that are not errors (a missing optional file, a default taken). */
  readonly notes: readonly string[];
}

/** Image folders are probed (headers read) before they are decoded; other formats are only read. */
export type ReadPhase = 'probing' | 'reading';

/** What progress is counted in. */
export type ProgressUnit = 'files' | 'images' | 'bytes';

/** What a reader is told about the run it is part of. */
export interface ReadContext {
  readonly signal?: AbortSignal | undefined;
  /** Reports how many of `total` units are done in a phase. */
  readonly progress: (done: number, total: number, phase: ReadPhase, unit: ProgressUnit) => void;
  /** Bounds on memory; the defaults of the machine when absent. */
  readonly limits?: ImportLimits | undefined;
}
