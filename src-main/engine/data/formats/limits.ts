import { constants } from 'node:buffer';
import { totalmem } from 'node:os';
import { DatasetFormatError } from './errors.js';

/** Bounds on what an import may hold in memory and unpack onto disk, so hostile files are refused early. */
export interface ImportLimits {
  /** Bytes one source file may decompress to, and the pixels of a whole dataset may take, in memory. */
  readonly maximumDecodedBytes: number;
  /** Pixels (width × height) one encoded image may declare. */
  readonly maximumImagePixels: number;
  /** Bytes an archive may unpack to; the free disk space bounds it too. */
  readonly maximumUnpackedBytes: number;
  /** Entries (files and folders) an archive may hold. */
  readonly maximumArchiveEntries: number;
}

/**
 * The limits an import runs under unless told otherwise: half the machine's memory (and no more than one
 * typed array can hold) for decoded data, 64 megapixels per image, 128 GiB and two million entries per archive.
 */
export function defaultImportLimits(): ImportLimits {
  return {
    maximumDecodedBytes: Math.min(constants.MAX_LENGTH, Math.floor(totalmem() / 2)),
    maximumImagePixels: 64 * 1024 * 1024,
    maximumUnpackedBytes: 128 * 1024 ** 3,
    maximumArchiveEntries: 2_000_000,
  };
}

/** Formats a byte count in megabytes for messages ("1,638 MB", "0.4 MB"). */
export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / 1_000_000;
  const digits = megabytes < 10 ? 1 : 0;
  return `${megabytes.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} MB`;
}

/** Throws when `bytes` of decoded data exceed the memory limit; `what` says what `source` holds or declares. */
export function checkDecodedBytes(source: string, what: string, bytes: number, limits: ImportLimits): void {
  if (bytes <= limits.maximumDecodedBytes) return;
  throw new DatasetFormatError(
    source,
    `${source} ${what}, ${formatMegabytes(bytes)} once decoded, more than the ${formatMegabytes(limits.maximumDecodedBytes)} an import may hold in memory on this machine.`,
  );
}

/** The limits a reader runs under: the context's, or the machine's defaults. */
export function limitsOf(context: { readonly limits?: ImportLimits | undefined }): ImportLimits {
  return context.limits ?? defaultImportLimits();
}

/** Throws when a file to be read whole is larger than `maximumBytes`. */
export function checkFileSize(file: string, bytes: number, maximumBytes: number): void {
  if (bytes <= maximumBytes) return;
  throw new DatasetFormatError(
    file,
    `${file} is ${formatMegabytes(bytes)}, more than the ${formatMegabytes(maximumBytes)} an import may read from one file on this machine.`,
  );
}
