import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { DatasetFormatError, ImportCancelledError } from './errors.js';
import { formatMegabytes } from './limits.js';
import { accessError, formatCount } from './source-files.js';

/** What a header promises the whole decompressed data will be. */
export interface DeclaredSize {
  /** Bytes of the whole decompressed output, header included. */
  readonly bytes: number;
  /** The promise in the user's terms, for messages: "60,000 images of 28x28". */
  readonly what: string;
}

/** How to inflate one compressed stream whose first bytes say how long the whole output is. */
export interface BoundedInflateOptions {
  /** The file the data comes from, named in every message. */
  readonly file: string;
  readonly wrapper: 'gzip' | 'zlib';
  /** How many decompressed bytes the header takes. */
  readonly headerBytes: number;
  /**
   * Reads the header (the first `headerBytes` decompressed bytes, or fewer when the data ends before) and
   * returns the size it declares; throws a DatasetFormatError when the header is not valid.
   */
  readonly declaredSize: (header: Buffer) => DeclaredSize;
  /** The most bytes the declared size may be; larger promises are refused before anything is inflated. */
  readonly maximumBytes: number;
  /** Bytes allowed past the declared size (padding some formats add); 0 by default. */
  readonly slackBytes?: number;
  readonly onProgress?: (inflatedBytes: number, declaredBytes: number) => void;
  readonly signal?: AbortSignal | undefined;
}

const chunkSize = 256 * 1024;

/** The output of one bounded inflation: held back until the header is in, then exactly what it declares. */
class BoundedOutput {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private output: Buffer | undefined;
  private declared: DeclaredSize = { bytes: 0, what: '' };
  private written = 0;

  constructor(private readonly options: BoundedInflateOptions) {}

  /** Takes one inflated chunk; throws when the header is bad or too large, or the data outgrows it. */
  take(chunk: Buffer): void {
    if (this.output !== undefined) {
      this.append(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.options.headerBytes) this.begin();
  }

  /** Everything inflated, once the data has ended. */
  finish(): Buffer {
    if (this.output === undefined) this.begin();
    return (this.output ?? Buffer.alloc(0)).subarray(0, this.written);
  }

  private begin(): void {
    const { file, maximumBytes } = this.options;
    const head = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.declared = this.options.declaredSize(head.subarray(0, this.options.headerBytes));
    if (this.declared.bytes > maximumBytes) {
      throw new DatasetFormatError(
        file,
        `${file} declares ${this.declared.what}, ${formatMegabytes(this.declared.bytes)} once decompressed, more than the ${formatMegabytes(maximumBytes)} an import may decompress from one file on this machine.`,
      );
    }
    this.output = Buffer.allocUnsafeSlow(this.declared.bytes + (this.options.slackBytes ?? 0));
    this.append(head);
  }

  private append(chunk: Buffer): void {
    const output = this.output;
    if (output === undefined) return;
    if (this.written + chunk.length > output.length) {
      const { file } = this.options;
      throw new DatasetFormatError(
        file,
        `${file} decompresses to more than the ${formatCount(this.declared.bytes)} bytes its header declares (${this.declared.what}); the file is damaged or built to exhaust memory, and was not read further.`,
      );
    }
    output.set(chunk, this.written);
    this.written += chunk.length;
    this.options.onProgress?.(this.written, this.declared.bytes);
  }
}

/**
 * Inflates gzip or zlib data into a buffer of the size its header declares, never more: output past the
 * declared size (a decompression bomb, or a damaged file) stops the inflation at once with an error naming
 * the file, and a declared size above `maximumBytes` is refused before any memory is taken for it. The
 * result may be shorter than declared when the data ends early; the caller reports that in its own terms.
 */
export function inflateBounded(
  input: Readable | Uint8Array,
  options: BoundedInflateOptions,
): Promise<Buffer> {
  const { file } = options;
  const inflater = options.wrapper === 'gzip' ? createGunzip({ chunkSize }) : createInflate({ chunkSize });
  const output = new BoundedOutput(options);
  return new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    const settle = (work: () => Buffer | undefined): void => {
      if (settled) return;
      try {
        const result = work();
        if (result === undefined) return;
        settled = true;
        resolve(result);
      } catch (error) {
        settled = true;
        if (!(input instanceof Uint8Array)) input.destroy();
        inflater.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    inflater.on('data', (chunk: Buffer) =>
      settle(() => {
        if (options.signal?.aborted === true) throw new ImportCancelledError(file);
        output.take(chunk);
        return undefined;
      }),
    );
    inflater.on('end', () => settle(() => output.finish()));
    inflater.on('error', (error) =>
      settle(() => {
        const what = options.wrapper === 'gzip' ? 'starts like a gzip file' : 'holds zlib-compressed data';
        throw new DatasetFormatError(file, `${file} ${what} but cannot be decompressed: ${error.message}.`);
      }),
    );
    if (input instanceof Uint8Array) {
      inflater.end(input);
    } else {
      input.on('error', (error) =>
        settle(() => {
          throw accessError(file, error);
        }),
      );
      input.pipe(inflater);
    }
  });
}

/** True when the file starts with the gzip magic bytes; reads only those. */
export async function startsWithGzip(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw accessError(file, error);
  }
}

/**
 * The first `bytes` bytes of a file, decompressed when it is gzip (fewer when it is shorter), without
 * inflating the rest: enough to read a header's promise before committing to the whole file.
 */
export async function readLeadingBytes(file: string, bytes: number): Promise<Buffer> {
  const gzip = await startsWithGzip(file);
  const source = createReadStream(file, gzip ? {} : { start: 0, end: bytes - 1 });
  const stream = gzip ? source.pipe(createGunzip({ chunkSize: 16 * 1024 })) : source;
  let readFailure: unknown;
  source.on('error', (error) => {
    readFailure = error;
    stream.destroy(error);
  });
  const chunks: Buffer[] = [];
  let collected = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      collected += chunk.length;
      if (collected >= bytes) break;
    }
  } catch (error) {
    if (readFailure !== undefined) throw accessError(file, readFailure);
    const detail = error instanceof Error ? error.message : String(error);
    throw new DatasetFormatError(
      file,
      `${file} starts like a gzip file but cannot be decompressed: ${detail}.`,
    );
  } finally {
    source.destroy();
    stream.destroy();
  }
  return Buffer.concat(chunks, collected).subarray(0, bytes);
}
