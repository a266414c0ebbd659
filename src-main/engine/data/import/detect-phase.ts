import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { unpackArchive } from '../formats/archive.js';
import { detectDataset } from '../formats/detect.js';
import type { DetectOptions } from '../formats/detect.js';
import { DatasetError, ImportCancelledError } from '../formats/errors.js';
import { listFolder, throwIfCancelled } from '../formats/source-files.js';
import type { DetectedDataset } from '../formats/types.js';
import type { ImportRun } from './import-run.js';
import { scratchFolder } from './scratch-folders.js';

/** The dataset an import reads, and how paths inside an unpacked archive are shown to the user. */
export interface ImportSource {
  /** What is read: for an archive, the dataset found in its unpacked copy. */
  readonly detected: DetectedDataset;
  /** What the user is told was found: for an archive, with its paths shown inside the archive. */
  readonly shownDetected: DetectedDataset;
  /** Rewrites paths inside the unpacked copy as paths inside the archive (`data.tgz/cifar/test_batch.bin`). */
  readonly shown: (text: string) => string;
  /** The dataset's default name: its folder's name, or the archive's without the extension. */
  readonly defaultName: string;
  /** Removes the unpacked copy; nothing to do for a folder. */
  readonly dispose: () => Promise<void>;
}

/** A DatasetError (or any error) with its paths shown through `shown`. */
export function relocated(error: unknown, shown: (text: string) => string): unknown {
  if (error instanceof ImportCancelledError) return new ImportCancelledError(shown(error.file));
  if (error instanceof DatasetError) {
    const Kind = error.constructor as new (file: string, message: string) => DatasetError;
    return new Kind(shown(error.file), shown(error.message));
  }
  return error instanceof Error ? new Error(shown(error.message), { cause: error }) : error;
}

/** Descends through folders that hold nothing but one folder, as archives often wrap their content. */
async function unwrapSingleFolder(folder: string): Promise<string> {
  const visible = (await listFolder(folder)).filter(
    (entry) => !entry.name.startsWith('.') && entry.name !== '__MACOSX',
  );
  const only = visible[0];
  if (visible.length !== 1 || only === undefined || !only.isDirectory()) return folder;
  return unwrapSingleFolder(path.join(folder, only.name));
}

function archiveBaseName(file: string): string {
  return path.basename(file).replace(/\.(tar\.gz|tgz|tar|zip)$/i, '');
}

async function openArchive(
  run: ImportRun,
  archive: DetectedDataset,
  options: DetectOptions,
): Promise<ImportSource> {
  const { target, request } = run.settings;
  const file = archive.root;
  // Inside the workbench home, beside the cache folder, never beside the user's file.
  const scratch = scratchFolder(target, 'unpacking');
  const shown = (text: string): string => text.split(scratch).join(file);
  const dispose = (): Promise<void> => fs.rm(scratch, { recursive: true, force: true });
  await fs.mkdir(scratch, { recursive: true });
  try {
    await unpackArchive(file, scratch, {
      limits: run.limits,
      signal: run.signal,
      onProgress: (done, total) => run.meter.report('unpacking', done, total, 'bytes'),
    });
    throwIfCancelled(run.signal, file);
    const root = await unwrapSingleFolder(scratch);
    const detected = await detectDataset(root, request.format ?? 'auto', options);
    const shownDetected: DetectedDataset = {
      ...detected,
      root: shown(detected.root),
      files: detected.files.map(shown),
      description: `${detected.description} Unpacked from ${path.basename(file)}.`,
      archive: archive.archive,
    };
    const defaultName = root === scratch ? archiveBaseName(file) : path.basename(root);
    return { detected, shownDetected, shown, defaultName, dispose };
  } catch (error) {
    await dispose();
    throw relocated(error, shown);
  }
}

/** Detects the format of the picked path; an archive is unpacked into the workbench home first. */
export async function detectPhase(run: ImportRun): Promise<ImportSource> {
  const { source, request } = run.settings;
  run.meter.report('detecting', 0, 1, 'files');
  const options: DetectOptions = {
    cifar100Labels: request.cifar100Labels,
    includeExtra: request.includeExtra,
    limits: run.limits,
  };
  const detected = await detectDataset(source, request.format ?? 'auto', options);
  throwIfCancelled(run.signal, source);
  const opened =
    detected.archive === undefined
      ? {
          detected,
          shownDetected: detected,
          shown: (text: string) => text,
          defaultName: path.basename(detected.root),
          dispose: () => Promise.resolve(),
        }
      : await openArchive(run, detected, options);
  run.meter.report('detecting', 1, 1, 'files');
  return opened;
}
