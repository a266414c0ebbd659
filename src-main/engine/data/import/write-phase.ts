import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageShape } from '../types.js';
import type { DatasetManifest } from '../cache.js';
import { cacheBytes, cacheVersion, healthFileName, splitFileNames, writeCacheFiles } from '../cache.js';
import { diskFullError, explainWriteError, freeBytesOn } from '../formats/disk-space.js';
import { DatasetRequestError } from '../formats/errors.js';
import { throwIfCancelled } from '../formats/source-files.js';
import type { DecodedDataset, DetectedDataset } from '../formats/types.js';
import type { AnalysedDataset } from './analyse-phase.js';
import type { ImportRun } from './import-run.js';
import { scratchFolder } from './scratch-folders.js';
import { writeThumbnails } from './thumbnails.js';

/** Room kept for the manifest, the health report and the thumbnails beside the pixels and labels. */
const smallFilesBytes = 1_000_000;

/** Throws the disk-full error before anything is written when the cache cannot fit. */
async function checkFreeSpace(folder: string, neededBytes: number): Promise<void> {
  const freeBytes = await freeBytesOn(folder);
  if (freeBytes < neededBytes) throw diskFullError(folder, freeBytes, neededBytes);
}

async function pathExists(target: string): Promise<boolean> {
  try {
    await fs.lstat(target);
    return true;
  } catch {
    return false;
  }
}

async function fsyncFolder(folder: string): Promise<void> {
  const handle = await fs.open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Throws when the target exists: an import writes a new folder and never overwrites one. */
export async function refuseExistingTarget(target: string, moment: 'before' | 'during'): Promise<void> {
  if (!(await pathExists(target))) return;
  throw new DatasetRequestError(
    target,
    moment === 'before'
      ? `${target} exists already; an import writes a new folder and never overwrites one.`
      : `${target} appeared while the import ran; the import was not moved over it.`,
  );
}

function manifestOf(
  name: string,
  detected: DetectedDataset,
  decoded: DecodedDataset,
  shape: ImageShape,
  analysed: AnalysedDataset,
  thumbnails: string[][],
): DatasetManifest {
  return {
    version: cacheVersion,
    name,
    format: detected.format,
    sources: decoded.sources,
    importedAt: new Date().toISOString(),
    classNames: decoded.classNames,
    shape,
    splits: analysed.splits.map((split, index) => ({
      name: split.name,
      count: split.count,
      countsPerClass: analysed.countsPerClass[index]?.counts ?? [],
      ...splitFileNames(split.name),
    })),
    statistics: analysed.statistics,
    fingerprint: analysed.fingerprint,
    validation: analysed.validation,
    carvedTest: analysed.carvedTest,
    thumbnails,
    healthFile: healthFileName,
  };
}

/**
 * Writes the cache into a temporary folder beside the target and renames it into place only when complete.
 * The free space is checked first, and a disk that fills up anyway is reported as such; on any failure or
 * cancellation the temporary folder is removed, so nothing half-written remains.
 */
export async function writePhase(
  run: ImportRun,
  name: string,
  detected: DetectedDataset,
  decoded: DecodedDataset,
  shape: ImageShape,
  analysed: AnalysedDataset,
): Promise<DatasetManifest> {
  const { target, source, thumbnailsPerClass } = run.settings;
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const neededBytes = cacheBytes(analysed.splits) + smallFilesBytes;
  await checkFreeSpace(parent, neededBytes);
  const temporary = scratchFolder(target, 'importing');
  await fs.mkdir(temporary);
  try {
    const classCount = decoded.classNames.length;
    const train = analysed.splits.find((split) => split.name === 'train') ?? analysed.splits[0];
    run.meter.report('thumbnails', 0, classCount, 'files');
    const thumbnails =
      train === undefined
        ? []
        : await writeThumbnails(temporary, train, shape, classCount, thumbnailsPerClass);
    run.meter.report('thumbnails', classCount, classCount, 'files');
    throwIfCancelled(run.signal, source);
    const manifest = manifestOf(name, detected, decoded, shape, analysed, thumbnails);
    let written = 0;
    const total = cacheBytes(analysed.splits);
    run.meter.report('writing', 0, total, 'bytes');
    await writeCacheFiles(temporary, manifest, analysed.health, analysed.splits, {
      openForWriting: run.openForWriting,
      onBytes: (bytes) => {
        written = Math.min(total, written + bytes);
        run.meter.report('writing', written, total, 'bytes');
      },
    });
    throwIfCancelled(run.signal, source);
    await refuseExistingTarget(target, 'during');
    await fs.rename(temporary, target);
    await fsyncFolder(parent);
    return manifest;
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw await explainWriteError(error, parent, neededBytes);
  }
}
