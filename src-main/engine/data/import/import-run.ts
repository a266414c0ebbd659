import * as path from 'node:path';
import type { OpenForWriting } from '../cache.js';
import type { DatasetFormat } from '../formats/types.js';
import { DatasetRequestError } from '../formats/errors.js';
import { defaultImportLimits } from '../formats/limits.js';
import type { ImportLimits } from '../formats/limits.js';
import { ProgressMeter } from './progress.js';
import type { ImportProgress } from './progress.js';

/** What to import and how. Only `source` and `target` are required. */
export interface ImportRequest {
  /** The file, folder or archive (.tar, .tar.gz, .tgz, .zip) the user picked. */
  readonly source: string;
  /** The cache folder to create, e.g. `<home>/datasets/<id>`; it must not exist yet. */
  readonly target: string;
  readonly format?: DatasetFormat | 'auto' | undefined;
  /** Display name; defaults to the source folder's name. */
  readonly name?: string | undefined;
  /** Image size (square when a number); defaults to the source size (image folders: the most common). */
  readonly size?: number | { readonly height: number; readonly width: number } | undefined;
  /** Channels to store; defaults to the source's (image folders: 3 unless every image is greyscale). */
  readonly channels?: 1 | 3 | undefined;
  /** Share of each training class carved into a validation split (0 for none, the default). */
  readonly validationFraction?: number | undefined;
  /** Share of each class carved into a test split when the source has none (default 0.2). */
  readonly testFraction?: number | undefined;
  /** Seed of the carving shuffles (default 0). */
  readonly seed?: number | undefined;
  /** CIFAR-100: fine (100 classes, default) or coarse (20) labels. */
  readonly cifar100Labels?: 'fine' | 'coarse' | undefined;
  /** SVHN: also import extra_32x32.mat as an `extra` split (default false). */
  readonly includeExtra?: boolean | undefined;
  /** IDX: names of the classes, since IDX files carry none. */
  readonly classNames?: readonly string[] | undefined;
  /** Thumbnails written per class (default 4). */
  readonly thumbnailsPerClass?: number | undefined;
}

/** How the caller follows and stops an import, and the bounds it runs under. */
export interface ImportOptions {
  readonly onProgress?: ((progress: ImportProgress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Bounds on memory and unpacking; the machine's defaults for any left out. */
  readonly limits?: Partial<ImportLimits> | undefined;
  /** Opens each cache file for writing; tests pass one that fails the way a full disk does. */
  readonly openForWriting?: OpenForWriting | undefined;
}

/** A request whose values have been checked, with its defaults filled in. */
export interface ImportSettings {
  readonly request: ImportRequest;
  readonly source: string;
  readonly target: string;
  readonly validationFraction: number;
  readonly testFraction: number;
  readonly seed: number;
  readonly thumbnailsPerClass: number;
  readonly size: { readonly height: number; readonly width: number } | undefined;
}

/** One import in flight: its settings and what every phase shares. */
export interface ImportRun {
  readonly settings: ImportSettings;
  readonly meter: ProgressMeter;
  readonly signal: AbortSignal | undefined;
  readonly limits: ImportLimits;
  readonly openForWriting: OpenForWriting | undefined;
}

function checkFraction(
  request: ImportRequest,
  key: 'validationFraction' | 'testFraction',
): number | undefined {
  const value = request[key];
  if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value < 1)) {
    throw new DatasetRequestError(
      request.source,
      `${key} is ${value}; expected a number from 0 up to (not including) 1.`,
    );
  }
  return value;
}

function requestedSize(request: ImportRequest): { height: number; width: number } | undefined {
  const size = request.size;
  if (size === undefined) return undefined;
  const resolved = typeof size === 'number' ? { height: size, width: size } : size;
  for (const value of [resolved.height, resolved.width]) {
    if (!Number.isInteger(value) || value < 4 || value > 1024) {
      throw new DatasetRequestError(
        request.source,
        `Image size ${value} is not allowed; expected a whole number of pixels from 4 to 1024.`,
      );
    }
  }
  return { height: resolved.height, width: resolved.width };
}

/** Checks a request's values and fills in the defaults; throws DatasetRequestError naming the value. */
export function checkRequest(request: ImportRequest): ImportSettings {
  const source = path.resolve(request.source);
  const seed = request.seed ?? 0;
  if (!Number.isInteger(seed)) throw new DatasetRequestError(source, `Seed ${seed} is not a whole number.`);
  const thumbnailsPerClass = request.thumbnailsPerClass ?? 4;
  if (!Number.isInteger(thumbnailsPerClass) || thumbnailsPerClass < 0 || thumbnailsPerClass > 64) {
    throw new DatasetRequestError(
      source,
      `thumbnailsPerClass is ${thumbnailsPerClass}; expected a whole number from 0 to 64.`,
    );
  }
  if (request.channels !== undefined && request.channels !== 1 && request.channels !== 3) {
    throw new DatasetRequestError(source, `channels is ${String(request.channels)}; expected 1 or 3.`);
  }
  return {
    request,
    source,
    target: path.resolve(request.target),
    validationFraction: checkFraction(request, 'validationFraction') ?? 0,
    testFraction: checkFraction(request, 'testFraction') ?? 0.2,
    seed,
    thumbnailsPerClass,
    size: requestedSize(request),
  };
}

/** Starts an import run from a checked request and the caller's options. */
export function startRun(settings: ImportSettings, options: ImportOptions): ImportRun {
  return {
    settings,
    meter: new ProgressMeter(options.onProgress),
    signal: options.signal,
    limits: { ...defaultImportLimits(), ...options.limits },
    openForWriting: options.openForWriting,
  };
}
