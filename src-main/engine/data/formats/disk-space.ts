import { promises as fs } from 'node:fs';
import { DatasetStorageError } from './errors.js';
import { formatMegabytes } from './limits.js';

/** Bytes an unprivileged process may still write on the file system that holds `folder`. */
export async function freeBytesOn(folder: string): Promise<number> {
  const stats = await fs.statfs(folder);
  return stats.bavail * stats.bsize;
}

/** The error for a disk too full for the import, measured on `folder`. */
export function diskFullError(folder: string, freeBytes: number, neededBytes: number): DatasetStorageError {
  return new DatasetStorageError(
    folder,
    `The disk is full: ${formatMegabytes(freeBytes)} free on ${folder}; the import needs about ${formatMegabytes(neededBytes)}.`,
  );
}

/** True for the error a write gives when the disk (or the user's quota) is full. */
export function isDiskFull(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  return error.code === 'ENOSPC' || error.code === 'EDQUOT';
}

/**
 * Turns a disk-full error from writing into `folder` into a DatasetStorageError that says how much room
 * there is and how much the import needs; any other error is returned unchanged.
 */
export async function explainWriteError(
  error: unknown,
  folder: string,
  neededBytes: number,
): Promise<unknown> {
  if (!isDiskFull(error)) return error;
  return diskFullError(folder, await freeBytesOn(folder).catch(() => 0), neededBytes);
}
