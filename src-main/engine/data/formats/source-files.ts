import { promises as fs } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import * as path from 'node:path';
import { DatasetAccessError, ImportCancelledError } from './errors.js';

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Turns a Node file-system error into a message that names the path and the reason. */
export function accessError(path: string, error: unknown): DatasetAccessError {
  const code = errorCode(error);
  if (code === 'ENOENT') return new DatasetAccessError(path, `${path} does not exist.`);
  if (code === 'EACCES' || code === 'EPERM') {
    return new DatasetAccessError(path, `${path} cannot be read: permission denied.`);
  }
  if (code === 'EISDIR') return new DatasetAccessError(path, `${path} is a folder; expected a file.`);
  if (code === 'ENOTDIR') return new DatasetAccessError(path, `${path} is a file; expected a folder.`);
  const detail = error instanceof Error ? error.message : String(error);
  return new DatasetAccessError(path, `${path} cannot be read: ${detail}`);
}

/** Reads a whole file, with a specific error when it is missing or unreadable. */
export async function readSourceFile(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    throw accessError(path, error);
  }
}

/** Stats a path, with a specific error when it is missing or unreadable. */
export async function statSource(path: string): Promise<Stats> {
  try {
    return await fs.stat(path);
  } catch (error) {
    throw accessError(path, error);
  }
}

/** Lists a folder's entries sorted by code point, with a specific error when it cannot be read. */
export async function listFolder(path: string): Promise<Dirent[]> {
  try {
    const entries = await fs.readdir(path, { withFileTypes: true });
    return entries.sort((left, right) => compareNames(left.name, right.name));
  } catch (error) {
    throw accessError(path, error);
  }
}

/** Code-point order, as torchvision's ImageFolder sorts classes, so class indices match across tools. */
export function compareNames(left: string, right: string): number {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}

/** Throws ImportCancelledError when the signal has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, source: string): void {
  if (signal?.aborted === true) throw new ImportCancelledError(source);
}

/** Formats a count with thousands separators for messages ("30,730,000"). */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Counts the regular files directly in `folder` that are not among `sources` (files import leaves unread). */
export async function countIgnoredFiles(folder: string, sources: readonly string[]): Promise<number> {
  const read = new Set(sources.map((source) => path.resolve(source)));
  const entries = await listFolder(folder);
  return entries.filter((entry) => entry.isFile() && !read.has(path.resolve(folder, entry.name))).length;
}
