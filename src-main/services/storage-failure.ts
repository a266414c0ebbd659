import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

const diskFullCodes = new Set(['ENOSPC', 'SQLITE_FULL', 'EDQUOT']);
const unwritableCodes = new Set(['EACCES', 'EPERM', 'EROFS']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : String(error);
  return /\b(ENOSPC|EDQUOT|SQLITE_FULL|EACCES|EPERM|EROFS)\b/.exec(message)?.[1];
}

/** Whether an error says the disk (or the user's quota) is full: a file write or a SQLite write. */
export function isDiskFull(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && diskFullCodes.has(code);
}

/** Free bytes for this user on the file system that holds `path` (or its nearest existing parent). */
export function freeBytesAt(path: string): number | null {
  for (let current = path; ; current = dirname(current)) {
    try {
      const figures = statfsSync(current);
      return figures.bavail * figures.bsize;
    } catch {
      if (dirname(current) === current) return null;
    }
  }
}

/** Megabytes as a person reads them, e.g. "12.5 MB". */
export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / 1_000_000;
  return `${megabytes < 10 ? megabytes.toFixed(1) : Math.round(megabytes).toString()} MB`;
}

/**
 * A plain sentence for a storage failure under `path` — the disk is full (with the free space now), or the
 * folder cannot be written — or null for any other error.
 */
export function describeStorageFailure(error: unknown, path: string): string | null {
  const code = errorCode(error);
  if (code === undefined) return null;
  if (diskFullCodes.has(code)) {
    const free = freeBytesAt(path);
    return `The disk is full: ${free === null ? 'no space' : formatMegabytes(free)} free on ${path}.`;
  }
  if (unwritableCodes.has(code)) {
    const message = error instanceof Error ? error.message : String(error);
    return `${path} cannot be written to (${message}). Check the folder's permissions.`;
  }
  return null;
}
