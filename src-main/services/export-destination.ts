import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseModelCard } from '../../src-shared/contracts/model-card.js';
import { nearestExistingFolder, writeProbe } from '../engine/files/folder-checks.js';
import type { WorkbenchStore } from '../store/workbench-store.js';
import { formatMegabytes, freeBytesAt } from './storage-failure.js';

/** A folder the workbench must never write an export into, over or around. */
interface ProtectedFolder {
  readonly path: string;
  readonly what: string;
}

/** What an export may do at its destination, once checked. */
export interface CheckedDestination {
  /** The destination as an absolute path. */
  readonly directory: string;
  /** Exports on record whose folder the export replaces (their records go once it succeeds). */
  readonly replacedExportIds: readonly string[];
}

/** Raised when an export's destination is refused; nothing was written. */
export class ExportDestinationError extends Error {
  constructor(message: string) {
    super(`${message} Nothing was written.`);
    this.name = 'ExportDestinationError';
  }
}

/** The path with symbolic links resolved, for as much of it as exists; the rest is appended as given. */
function realPathOf(path: string): string {
  const absolute = resolve(path);
  const missing: string[] = [];
  for (let current = absolute; ; current = dirname(current)) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch {
      if (dirname(current) === current) return absolute;
      missing.push(basename(current));
    }
  }
}

function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function protectedFolders(store: WorkbenchStore, homeDirectory: string): ProtectedFolder[] {
  const folders: ProtectedFolder[] = [{ path: homeDirectory, what: 'the workbench home' }];
  for (const dataset of store.datasets.list()) {
    const record = store.datasets.get(dataset.id);
    if (record === undefined) continue;
    folders.push({ path: record.cachePath, what: `the imported copy of dataset "${dataset.name}"` });
    for (const source of record.manifest.sources) {
      folders.push({ path: source, what: `the source files of dataset "${dataset.name}"` });
    }
  }
  return folders.map((folder) => ({ ...folder, path: realPathOf(folder.path) }));
}

/** Whether a folder holds an export the workbench wrote: its model-card.json is a model card of ours. */
function holdsWorkbenchExport(directory: string): boolean {
  const file = join(directory, 'model-card.json');
  try {
    parseModelCard(readFileSync(file, 'utf8'), file);
    return true;
  } catch {
    return false;
  }
}

function checkExistingTarget(target: string, force: boolean): void {
  let found;
  try {
    found = statSync(target);
  } catch {
    return;
  }
  if (!found.isDirectory())
    throw new ExportDestinationError(`Cannot export to ${target}: a file of that name exists.`);
  if (statSync(dirname(target)).dev !== found.dev) {
    throw new ExportDestinationError(
      `${target} is a mount point, which an export cannot replace; choose a new folder inside it.`,
    );
  }
  if (readdirSync(target).length === 0) return;
  if (!force) {
    throw new ExportDestinationError(
      `${target} is not empty; choose an empty or new folder, or replace a previous export there with force (--force).`,
    );
  }
  if (!holdsWorkbenchExport(target)) {
    throw new ExportDestinationError(
      `${target} holds files that are not an RTK Workbench export; force (--force) replaces only a folder ` +
        'with a previous export of ours (recognised by its model-card.json), never anything else.',
    );
  }
}

function checkWritable(target: string): void {
  const folder = nearestExistingFolder(dirname(target));
  const refusal = writeProbe(folder);
  if (refusal !== null) {
    throw new ExportDestinationError(
      `Cannot export to ${target}: ${folder} cannot be written to (${refusal}).`,
    );
  }
}

function checkFreeSpace(target: string, neededBytes: number): void {
  const folder = nearestExistingFolder(dirname(target));
  const free = freeBytesAt(folder);
  if (free !== null && free < neededBytes) {
    throw new ExportDestinationError(
      `The export needs about ${formatMegabytes(neededBytes)}, but only ${formatMegabytes(free)} is free on ${folder}.`,
    );
  }
}

/**
 * Checks an export's destination before any work: never the workbench home, anything inside it or around
 * it, nor a dataset's source files; an existing folder only when empty, or, with force, when it holds a
 * previous export of ours; writable; with room for about `neededBytes`.
 */
export function checkExportDestination(options: {
  readonly store: WorkbenchStore;
  readonly homeDirectory: string;
  readonly outDirectory: string;
  readonly force: boolean;
  readonly neededBytes: number;
}): CheckedDestination {
  const directory = resolve(options.outDirectory);
  const target = realPathOf(directory);
  for (const folder of protectedFolders(options.store, options.homeDirectory)) {
    if (isWithin(target, folder.path)) {
      throw new ExportDestinationError(`Cannot export to ${directory}: it is ${folder.what} or inside it.`);
    }
    if (isWithin(folder.path, target)) {
      throw new ExportDestinationError(
        `Cannot export to ${directory}: it contains ${folder.what} (${folder.path}).`,
      );
    }
  }
  const replacedExportIds: string[] = [];
  for (const record of options.store.exports.list()) {
    const known = realPathOf(record.directory);
    if (known === target) replacedExportIds.push(record.id);
    else if (isWithin(target, known) || isWithin(known, target)) {
      throw new ExportDestinationError(
        `Cannot export to ${directory}: it is inside, or contains, the earlier export ${record.id} (${record.directory}).`,
      );
    }
  }
  checkExistingTarget(target, options.force);
  checkWritable(target);
  checkFreeSpace(target, options.neededBytes);
  return { directory, replacedExportIds };
}
