import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser } from 'tar';
import type { ReadEntry } from 'tar';
import * as yauzl from 'yauzl';
import { diskFullError, explainWriteError, freeBytesOn } from './disk-space.js';
import { DatasetError, DatasetFormatError, ImportCancelledError } from './errors.js';
import { formatMegabytes } from './limits.js';
import type { ImportLimits } from './limits.js';
import { accessError, formatCount, statSource, throwIfCancelled } from './source-files.js';

/** The archive kinds import unpacks. */
export type ArchiveKind = 'tar' | 'tar.gz' | 'zip';

const archiveKinds: readonly { readonly pattern: RegExp; readonly kind: ArchiveKind }[] = [
  { pattern: /\.(tar\.gz|tgz)$/i, kind: 'tar.gz' },
  { pattern: /\.tar$/i, kind: 'tar' },
  { pattern: /\.zip$/i, kind: 'zip' },
];

/** Archive kinds that import recognises by name but cannot unpack. */
export const unsupportedArchivePattern = /\.(tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|7z|rar)$/i;

/** The kind of archive a file name says it is, if import unpacks that kind. */
export function archiveKindOf(file: string): ArchiveKind | undefined {
  return archiveKinds.find((candidate) => candidate.pattern.test(file))?.kind;
}

/** One file or folder of an archive, as its header declares it. */
export interface ArchiveEntry {
  /** The path inside the archive, `/`-separated, checked to stay inside the folder it is unpacked into. */
  readonly name: string;
  readonly size: number;
  readonly isDirectory: boolean;
}

/** What an archive holds, every entry checked against the limits. */
export interface ArchiveContents {
  readonly kind: ArchiveKind;
  readonly entries: readonly ArchiveEntry[];
  /** Bytes of all files together once unpacked. */
  readonly unpackedBytes: number;
}

interface EntryHeader {
  readonly rawName: string;
  /** 'file', 'directory', 'symbolic link', 'hard link', or another type's name. */
  readonly type: string;
  readonly size: number;
  readonly linkTarget: string | undefined;
}

/** The `/`-separated path of an entry when it stays inside the target folder; undefined when it escapes. */
export function safeEntryName(rawName: string): string | undefined {
  const name = rawName.replace(/\\/g, '/');
  if (name.includes('\0') || name.startsWith('/') || /^[A-Za-z]:/.test(name)) return undefined;
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  return parts.includes('..') ? undefined : parts.join('/');
}

/** Checks each entry as it is declared: where it goes, what it is, and how much it adds up to. */
class EntryGuard {
  readonly entries: ArchiveEntry[] = [];
  bytes = 0;
  private count = 0;

  constructor(
    private readonly file: string,
    private readonly limits: ImportLimits,
    private readonly disk: { readonly folder: string; readonly freeBytes: number } | undefined,
  ) {}

  admit(header: EntryHeader): ArchiveEntry {
    const { file, limits } = this;
    this.count += 1;
    if (this.count > limits.maximumArchiveEntries) {
      throw new DatasetFormatError(
        file,
        `${file} holds more than ${formatCount(limits.maximumArchiveEntries)} entries, the most an archive may hold; it was not unpacked.`,
      );
    }
    const name = safeEntryName(header.rawName);
    if (name === undefined) {
      throw new DatasetFormatError(
        file,
        `${file} holds an entry named "${header.rawName}" that would be written outside the folder it is unpacked into; the archive was refused.`,
      );
    }
    if (header.type === 'symbolic link' || header.type === 'hard link') {
      throw new DatasetFormatError(
        file,
        `${file} holds a ${header.type} "${header.rawName}" (to "${header.linkTarget ?? ''}"); archives with links are refused, since a link can point outside the dataset.`,
      );
    }
    if (header.type !== 'file' && header.type !== 'directory') {
      throw new DatasetFormatError(
        file,
        `${file} holds "${header.rawName}", a ${header.type} entry; only files and folders are unpacked.`,
      );
    }
    this.bytes += header.size;
    if (this.bytes > limits.maximumUnpackedBytes) {
      throw new DatasetFormatError(
        file,
        `${file} unpacks to more than ${formatMegabytes(limits.maximumUnpackedBytes)}, the most an archive may unpack to (entry "${name}" declares ${formatMegabytes(header.size)}); it was not unpacked.`,
      );
    }
    if (this.disk !== undefined && this.bytes > this.disk.freeBytes) {
      throw diskFullError(this.disk.folder, this.disk.freeBytes, this.bytes);
    }
    const entry = { name, size: header.size, isDirectory: header.type === 'directory' };
    this.entries.push(entry);
    return entry;
  }
}

const tarTypeNames: Readonly<Record<string, string>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  SymbolicLink: 'symbolic link',
  Link: 'hard link',
  CharacterDevice: 'character device',
  BlockDevice: 'block device',
  FIFO: 'named pipe',
};

function tarHeader(entry: ReadEntry): EntryHeader {
  return {
    rawName: entry.path,
    type: tarTypeNames[entry.type] ?? entry.type,
    size: entry.size,
    linkTarget: entry.linkpath,
  };
}

function damagedArchive(file: string, kind: ArchiveKind, error: unknown): DatasetError {
  if (error instanceof DatasetError) return error;
  const detail = (error instanceof Error ? error.message : String(error))
    .replace(/^TAR_BAD_ARCHIVE: /, '')
    .replace(/\.$/, '');
  return new DatasetFormatError(
    file,
    `${file} is not a complete, valid .${kind} archive (it may be truncated or damaged): ${detail}.`,
  );
}

/** What reading a tar stream does with what it finds. */
interface TarReading {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((readBytes: number) => void) | undefined;
  /** Consumes one admitted file's data; `abort` fires when the archive fails, so a half-read entry stops. */
  readonly onFile?: ((entry: ArchiveEntry, data: ReadEntry, abort: AbortSignal) => Promise<void>) | undefined;
  readonly onDirectory?: ((entry: ArchiveEntry) => void) | undefined;
}

/**
 * Reads a tar or tar.gz stream entry by entry; `onFile` takes each admitted file's data, or is absent to
 * skip the data (listing). Settles once every entry's data has been consumed.
 */
function readTar(file: string, kind: ArchiveKind, guard: EntryGuard, options: TarReading): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const source = createReadStream(file);
    const parser = new Parser({ strict: true });
    const consumers: Promise<void>[] = [];
    const stopConsumers = new AbortController();
    let failure: Error | undefined;
    let readBytes = 0;
    const fail = (error: unknown): void => {
      if (failure !== undefined) return;
      failure = error instanceof Error ? error : new Error(String(error));
      const reason = failure;
      source.unpipe(parser);
      source.destroy();
      stopConsumers.abort(reason);
      void Promise.allSettled(consumers).then(() => reject(reason));
    };
    parser.on('entry', (entry: ReadEntry) => {
      if (failure !== undefined) {
        entry.resume();
        return;
      }
      try {
        const admitted = guard.admit(tarHeader(entry));
        if (admitted.isDirectory || options.onFile === undefined) {
          if (admitted.isDirectory) options.onDirectory?.(admitted);
          entry.resume();
          return;
        }
        const consumed = options.onFile(admitted, entry, stopConsumers.signal);
        consumers.push(consumed.catch((error: unknown) => fail(error)));
      } catch (error) {
        entry.resume();
        fail(error);
      }
    });
    parser.on('error', (error) => fail(damagedArchive(file, kind, error)));
    parser.on('end', () => {
      void Promise.all(consumers).then(() => {
        if (failure === undefined) resolve();
      });
    });
    source.on('data', (chunk) => {
      readBytes += chunk.length;
      if (options.signal?.aborted === true) fail(new ImportCancelledError(file));
      else options.onProgress?.(readBytes);
    });
    source.on('error', (error) => fail(accessError(file, error)));
    source.pipe(parser);
  });
}

function zipHeader(entry: yauzl.Entry): EntryHeader {
  const rawName = yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileNameRaw,
    entry.extraFields,
    false,
  );
  // The upper 16 bits of the external attributes hold the Unix mode when the archive was made on Unix.
  const fileType = (entry.externalFileAttributes >>> 16) & 0o170000;
  const type =
    fileType === 0o120000
      ? 'symbolic link'
      : rawName.endsWith('/') || fileType === 0o040000
        ? 'directory'
        : fileType === 0 || fileType === 0o100000
          ? 'file'
          : 'special';
  return { rawName, type, size: entry.uncompressedSize, linkTarget: undefined };
}

async function openZip(file: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(file, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
    });
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error) throw accessError(file, error);
    throw damagedArchive(file, 'zip', error);
  }
}

/** Reads a zip's central directory, admitting every entry before any data is read. */
async function readZipDirectory(
  file: string,
  zip: yauzl.ZipFile,
  guard: EntryGuard,
  limits: ImportLimits,
): Promise<{ entry: yauzl.Entry; admitted: ArchiveEntry }[]> {
  if (zip.entryCount > limits.maximumArchiveEntries) {
    throw new DatasetFormatError(
      file,
      `${file} holds ${formatCount(zip.entryCount)} entries, more than the ${formatCount(limits.maximumArchiveEntries)} an archive may hold; it was not unpacked.`,
    );
  }
  const entries: { entry: yauzl.Entry; admitted: ArchiveEntry }[] = [];
  try {
    for await (const entry of zip.eachEntry())
      entries.push({ entry, admitted: guard.admit(zipHeader(entry)) });
  } catch (error) {
    throw damagedArchive(file, 'zip', error);
  }
  return entries;
}

/** Lists an archive's entries, checking each against the limits, without writing anything. */
export async function listArchive(
  file: string,
  limits: ImportLimits,
  signal?: AbortSignal,
): Promise<ArchiveContents> {
  const kind = archiveKindOf(file) ?? 'tar';
  const guard = new EntryGuard(file, limits, undefined);
  if (kind === 'zip') {
    const zip = await openZip(file);
    try {
      await readZipDirectory(file, zip, guard, limits);
    } finally {
      zip.close();
    }
  } else {
    await readTar(file, kind, guard, { signal });
  }
  return { kind, entries: guard.entries, unpackedBytes: guard.bytes };
}

/** How an archive is unpacked. */
export interface UnpackOptions {
  readonly limits: ImportLimits;
  readonly signal?: AbortSignal | undefined;
  /** Bytes done of a total: compressed bytes read for tar archives, bytes written for zip archives. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

function writeEntry(
  into: string,
  entry: ArchiveEntry,
  data: AsyncIterable<Buffer>,
  onBytes: (bytes: number) => void,
  abort?: AbortSignal,
): Promise<void> {
  const target = path.join(into, ...entry.name.split('/'));
  mkdirSync(path.dirname(target), { recursive: true });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  const output = createWriteStream(target, { mode: 0o644 });
  return abort === undefined
    ? pipeline(data, counter, output)
    : pipeline(data, counter, output, { signal: abort });
}

async function unpackZip(
  file: string,
  into: string,
  guard: EntryGuard,
  options: UnpackOptions,
): Promise<void> {
  const zip = await openZip(file);
  try {
    const entries = await readZipDirectory(file, zip, guard, options.limits);
    let written = 0;
    for (const { entry, admitted } of entries) {
      throwIfCancelled(options.signal, file);
      if (admitted.isDirectory) {
        mkdirSync(path.join(into, ...admitted.name.split('/')), { recursive: true });
        continue;
      }
      if (entry.isEncrypted()) {
        throw new DatasetFormatError(
          file,
          `${file} holds "${admitted.name}" encrypted; unpack it with its password first.`,
        );
      }
      let data: AsyncIterable<Buffer>;
      try {
        data = await zip.openReadStreamPromise(entry);
      } catch (error) {
        throw damagedArchive(file, 'zip', error);
      }
      const onBytes = (bytes: number): void => {
        written += bytes;
        options.onProgress?.(written, guard.bytes);
      };
      try {
        await writeEntry(into, admitted, data, onBytes, options.signal);
      } catch (error) {
        throwIfCancelled(options.signal, file);
        // A file-system error (a full disk) is the writer's; anything else is the archive's.
        if (error instanceof Error && 'syscall' in error) throw error;
        throw damagedArchive(file, 'zip', error);
      }
    }
  } finally {
    zip.close();
  }
}

/**
 * Unpacks a .tar, .tar.gz/.tgz or .zip archive into `into` (an existing, empty folder the caller removes
 * afterwards, whatever happens). Every entry is checked before its data is written: its path must stay
 * inside `into`, links and special files are refused, and the declared sizes may not add up to more than
 * the limit or the free disk space; a zip's whole directory is checked before anything is written.
 */
export async function unpackArchive(
  file: string,
  into: string,
  options: UnpackOptions,
): Promise<ArchiveContents> {
  const kind = archiveKindOf(file) ?? 'tar';
  const freeBytes = await freeBytesOn(into);
  const guard = new EntryGuard(file, options.limits, { folder: into, freeBytes });
  try {
    if (kind === 'zip') {
      await unpackZip(file, into, guard, options);
    } else {
      const total = (await statSource(file)).size;
      await readTar(file, kind, guard, {
        signal: options.signal,
        onProgress: (readBytes) => options.onProgress?.(readBytes, total),
        onDirectory: (entry) => mkdirSync(path.join(into, ...entry.name.split('/')), { recursive: true }),
        onFile: (entry, data, abort) => writeEntry(into, entry, data, () => undefined, abort),
      });
    }
  } catch (error) {
    throw await explainWriteError(error, into, guard.bytes);
  }
  return { kind, entries: guard.entries, unpackedBytes: guard.bytes };
}
