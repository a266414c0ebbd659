import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { accessError, compareNames } from './source-files.js';

/**
 * A path as the file system takes it. File names on Linux are bytes, not text: a folder named in Latin-1
 * (`caf\xE9`) has no UTF-8 spelling, so such paths are kept as the raw bytes.
 */
export type NativePath = string | Buffer;

/** One entry of a folder, with the name it is shown by and the path it is opened by. */
export interface NativeEntry {
  /** The name as shown to the user: its UTF-8 text, with bytes that are not UTF-8 (and control characters) as `\xHH`. */
  readonly name: string;
  /** What file-system calls are given: text when the whole path is valid UTF-8, else its bytes. */
  readonly path: NativePath;
  /** The whole path as shown to the user, built from the shown names. */
  readonly shownPath: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

function decodeSequence(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function escapedByte(byte: number): string {
  return `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The readable form of a file name: UTF-8 where it is, `\xHH` for every other byte and for control characters. */
export function escapedName(raw: Uint8Array): string {
  let text = '';
  let index = 0;
  while (index < raw.length) {
    const lead = raw[index] ?? 0;
    const length = sequenceLength(lead);
    const character = length === 0 ? undefined : decodeSequence(raw.subarray(index, index + length));
    if (character === undefined || (length === 1 && (lead < 0x20 || lead === 0x7f))) {
      text += escapedByte(lead);
      index += 1;
    } else {
      text += character;
      index += length;
    }
  }
  return text;
}

function isUtf8(raw: Uint8Array): boolean {
  return decodeSequence(raw) !== undefined;
}

/** The path of `name` inside `folder`: text while every part is valid UTF-8, bytes from the first part that is not. */
export function childPath(folder: NativePath, name: Buffer): NativePath {
  if (typeof folder === 'string' && isUtf8(name)) return path.join(folder, name.toString('utf8'));
  return Buffer.concat([Buffer.from(folder), Buffer.from(path.sep), name]);
}

/**
 * Lists a folder by the raw bytes of its entries' names, so that a name that is not UTF-8 can still be
 * opened, sorted by shown name (code-point order, as elsewhere); errors name the shown path.
 */
export async function listNativeFolder(folder: NativePath, shownFolder: string): Promise<NativeEntry[]> {
  let entries;
  try {
    entries = await fs.readdir(folder, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    throw accessError(shownFolder, error);
  }
  return entries
    .map((entry) => {
      const name = escapedName(entry.name);
      return {
        name,
        path: childPath(folder, entry.name),
        shownPath: path.join(shownFolder, name),
        isFile: entry.isFile(),
        isDirectory: entry.isDirectory(),
      };
    })
    .sort((left, right) => compareNames(left.name, right.name));
}
