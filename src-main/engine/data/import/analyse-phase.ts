import type { ChannelStatistics, ImageShape } from '../types.js';
import type { DatasetManifest, HealthReport } from '../cache.js';
import { cacheVersion, computeFingerprint } from '../cache.js';
import { DatasetLayoutError, DatasetRequestError } from '../formats/errors.js';
import { throwIfCancelled } from '../formats/source-files.js';
import type { DecodedDataset, DecodedSplit, DetectedDataset } from '../formats/types.js';
import { splitNames } from '../formats/types.js';
import {
  channelStatistics,
  countPerClass,
  explainUnreadable,
  findDuplicates,
  imbalanceRatio,
} from './analysis.js';
import type { ImportRun } from './import-run.js';
import { atLeastOneEachSide, carveSplit, roundedShare } from './seeded-split.js';

/** The splits as they will be cached, and everything computed from them. */
export interface AnalysedDataset {
  readonly splits: readonly DecodedSplit[];
  readonly countsPerClass: readonly { readonly split: DecodedSplit['name']; readonly counts: number[] }[];
  readonly statistics: ChannelStatistics;
  readonly fingerprint: string;
  readonly validation: DatasetManifest['validation'];
  readonly carvedTest: DatasetManifest['carvedTest'];
  readonly health: HealthReport;
}

interface CarvedSplits {
  readonly splits: DecodedSplit[];
  readonly validation: DatasetManifest['validation'];
  readonly carvedTest: DatasetManifest['carvedTest'];
  readonly notes: string[];
}

function trainOf(detected: DetectedDataset, splits: readonly DecodedSplit[]): DecodedSplit {
  const train = splits.find((split) => split.name === 'train');
  if (train === undefined) {
    throw new DatasetLayoutError(detected.root, `${detected.root} yielded no training images.`);
  }
  return train;
}

/** Carves a test split (when the source has none) and a validation split (when asked) out of train. */
function carveSplits(run: ImportRun, detected: DetectedDataset, decoded: DecodedDataset): CarvedSplits {
  const { source, testFraction, validationFraction, seed } = run.settings;
  const classCount = decoded.classNames.length;
  let splits = [...decoded.splits];
  const notes: string[] = [];
  let carvedTest: DatasetManifest['carvedTest'] = null;
  if (!splits.some((split) => split.name === 'test')) {
    const train = trainOf(detected, splits);
    const { kept, carved } = carveSplit(train, classCount, atLeastOneEachSide(testFraction), seed, 'test');
    if (carved.count === 0) {
      throw new DatasetRequestError(
        source,
        `${detected.root} has no test split and testFraction ${testFraction} carves none; use a fraction above 0.`,
      );
    }
    splits = [kept, ...splits.filter((split) => split.name !== 'train'), carved];
    carvedTest = { fraction: testFraction, seed };
  }
  let validation: DatasetManifest['validation'] = null;
  if (validationFraction > 0) {
    if (splits.some((split) => split.name === 'validation')) {
      notes.push('The source has its own validation split; the validation fraction was not used.');
    } else {
      // A different seed stream from the test carve, so the two carves are independent.
      const train = trainOf(detected, splits);
      const share = roundedShare(validationFraction);
      const { kept, carved } = carveSplit(train, classCount, share, seed + 1, 'validation');
      splits = [kept, ...splits.filter((split) => split.name !== 'train'), carved];
      validation = { fraction: validationFraction, seed };
    }
  }
  splits.sort((left, right) => splitNames.indexOf(left.name) - splitNames.indexOf(right.name));
  return { splits, validation, carvedTest, notes };
}

/**
 * Carves the splits, counts the classes, computes the training statistics, the fingerprint and the
 * duplicate search, and writes it all up as the health report, in plain words.
 */
export function analysePhase(
  run: ImportRun,
  detected: DetectedDataset,
  decoded: DecodedDataset,
  shape: ImageShape,
  shown: (text: string) => string,
): AnalysedDataset {
  const imageCount = decoded.splits.reduce((sum, split) => sum + split.count, 0);
  run.meter.report('checking', 0, imageCount, 'images');
  const carved = carveSplits(run, detected, decoded);
  const { splits } = carved;
  const classCount = decoded.classNames.length;
  const countsPerClass = splits.map((split) => ({
    split: split.name,
    counts: countPerClass(split, classCount),
  }));
  const trainCounts = countsPerClass.find((entry) => entry.split === 'train')?.counts ?? [];
  const statistics = channelStatistics(trainOf(detected, splits), shape[2]);
  const fingerprint = computeFingerprint(decoded.classNames, shape, splits);
  throwIfCancelled(run.signal, run.settings.source);
  const duplicates = findDuplicates(splits, (done, total) =>
    run.meter.report('checking', done, total, 'images'),
  );
  const health: HealthReport = {
    version: cacheVersion,
    classNames: decoded.classNames,
    countsPerClass,
    imbalanceRatio: imbalanceRatio(trainCounts),
    duplicates,
    unreadableFiles: decoded.unreadableFiles.map((entry) =>
      explainUnreadable({ ...entry, file: shown(entry.file), reason: shown(entry.reason) }),
    ),
    ignoredFileCount: decoded.ignoredFileCount,
    sizeSpread: decoded.sizeSpread,
    notes: [...decoded.notes, ...carved.notes].map(shown),
  };
  throwIfCancelled(run.signal, run.settings.source);
  const { validation, carvedTest } = carved;
  return { splits, countsPerClass, statistics, fingerprint, validation, carvedTest, health };
}
