import { inflateBounded } from './bounded-inflate.js';
import { DatasetFormatError } from './errors.js';
import { defaultImportLimits } from './limits.js';
import { formatCount } from './source-files.js';

/** MAT level-5 data types (MATLAB "MAT-File Format", table 1-1). */
const dataTypes = {
  int8: 1,
  uint8: 2,
  int16: 3,
  uint16: 4,
  int32: 5,
  uint32: 6,
  single: 7,
  double: 9,
  int64: 12,
  uint64: 13,
  matrix: 14,
  compressed: 15,
  utf8: 16,
} as const;

const bytesPerType: Readonly<Record<number, number>> = {
  [dataTypes.int8]: 1,
  [dataTypes.uint8]: 1,
  [dataTypes.int16]: 2,
  [dataTypes.uint16]: 2,
  [dataTypes.int32]: 4,
  [dataTypes.uint32]: 4,
  [dataTypes.single]: 4,
  [dataTypes.double]: 8,
  [dataTypes.int64]: 8,
  [dataTypes.uint64]: 8,
};

/** MATLAB array classes (mxCLASS) that hold numbers. */
const numericClassNames: Readonly<Record<number, string>> = {
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};

/** A numeric MATLAB array: column-major data as stored, with its dimensions and class. */
export interface MatArray {
  readonly name: string;
  readonly className: string;
  readonly dimensions: readonly number[];
  /** Number of elements (product of the dimensions). */
  readonly length: number;
  /** The real part as raw bytes when stored as uint8 (the fast path for images). */
  readonly bytes: Uint8Array | undefined;
  /** Reads element `index` of the real part as a number, whatever its stored type. */
  readonly at: (index: number) => number;
}

interface Element {
  readonly type: number;
  readonly data: Uint8Array;
  /** Offset of the next element in the enclosing buffer. */
  readonly next: number;
}

class Reader {
  constructor(
    private readonly file: string,
    readonly littleEndian: boolean,
  ) {}

  view(bytes: Uint8Array): DataView {
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  element(bytes: Uint8Array, offset: number, padded: boolean): Element {
    if (offset + 8 > bytes.length)
      this.fail(`an element tag at byte ${offset} runs past the end of the data`);
    const view = this.view(bytes);
    const first = view.getUint32(offset, this.littleEndian);
    const small = first >>> 16;
    if (small !== 0) {
      // Small data element format: size in the upper 16 bits, data packed into the tag's second word.
      const type = first & 0xffff;
      if (small > 4) this.fail(`a small data element at byte ${offset} claims ${small} bytes (at most 4)`);
      return { type, data: bytes.subarray(offset + 4, offset + 4 + small), next: offset + 8 };
    }
    const size = view.getUint32(offset + 4, this.littleEndian);
    const start = offset + 8;
    if (start + size > bytes.length) {
      this.fail(
        `an element at byte ${offset} declares ${size} bytes but only ${bytes.length - start} remain (the file is truncated)`,
      );
    }
    const end = start + size;
    // Compressed elements are not padded; all others are aligned to 8 bytes.
    const next = padded && first !== dataTypes.compressed ? start + Math.ceil(size / 8) * 8 : end;
    return { type: first, data: bytes.subarray(start, end), next: Math.min(next, bytes.length) };
  }

  fail(problem: string): never {
    throw new DatasetFormatError(this.file, `${this.file} is not a valid MAT file: ${problem}.`);
  }

  numberReader(type: number, data: Uint8Array): (index: number) => number {
    const view = this.view(data);
    const little = this.littleEndian;
    switch (type) {
      case dataTypes.int8:
        return (index) => view.getInt8(index);
      case dataTypes.uint8:
        return (index) => data[index] ?? 0;
      case dataTypes.int16:
        return (index) => view.getInt16(index * 2, little);
      case dataTypes.uint16:
        return (index) => view.getUint16(index * 2, little);
      case dataTypes.int32:
        return (index) => view.getInt32(index * 4, little);
      case dataTypes.uint32:
        return (index) => view.getUint32(index * 4, little);
      case dataTypes.single:
        return (index) => view.getFloat32(index * 4, little);
      case dataTypes.double:
        return (index) => view.getFloat64(index * 8, little);
      case dataTypes.int64:
        return (index) => Number(view.getBigInt64(index * 8, little));
      case dataTypes.uint64:
        return (index) => Number(view.getBigUint64(index * 8, little));
      default:
        return this.fail(`numeric data of unknown type ${type}`);
    }
  }

  matrix(data: Uint8Array): MatArray | undefined {
    const flags = this.element(data, 0, true);
    if (flags.data.length < 4) this.fail('an array has no array-flags sub-element');
    const classCode = this.view(flags.data).getUint32(0, this.littleEndian) & 0xff;
    const dimensionsElement = this.element(data, flags.next, true);
    const dimensionReader = this.numberReader(dimensionsElement.type, dimensionsElement.data);
    const dimensionCount = dimensionsElement.data.length / (bytesPerType[dimensionsElement.type] ?? 4);
    const dimensions = Array.from({ length: dimensionCount }, (_, index) => dimensionReader(index));
    const nameElement = this.element(data, dimensionsElement.next, true);
    const name = Buffer.from(nameElement.data).toString('latin1');
    const className = numericClassNames[classCode];
    // Cells, structs, chars and sparse arrays are not image data; they are skipped.
    if (className === undefined) return undefined;
    const real = this.element(data, nameElement.next, true);
    const elementBytes = bytesPerType[real.type];
    if (elementBytes === undefined)
      this.fail(`array ${name} stores its numbers as unknown type ${real.type}`);
    const length = dimensions.reduce((product, size) => product * size, 1);
    if (real.data.length !== length * elementBytes) {
      this.fail(
        `array ${name} has dimensions ${dimensions.join('x')} (${length} elements) but ${real.data.length / elementBytes} stored`,
      );
    }
    return {
      name,
      className,
      dimensions,
      length,
      bytes: real.type === dataTypes.uint8 ? real.data : undefined,
      at: this.numberReader(real.type, real.data),
    };
  }
}

const hdf5Signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function checkMatHeader(file: string, buffer: Buffer): boolean {
  const headerText = buffer.subarray(0, 116).toString('latin1');
  const isHdf5 =
    hdf5Signature.every((byte, index) => buffer[512 + index] === byte) || /MATLAB 7\.3/.test(headerText);
  if (isHdf5) {
    throw new DatasetFormatError(
      file,
      `${file} is a MATLAB v7.3 (HDF5) MAT file, which import cannot read. Open it in MATLAB or Octave and save it again with save(..., '-v7').`,
    );
  }
  if (buffer.length < 128 || !headerText.startsWith('MATLAB 5.0 MAT-file')) {
    throw new DatasetFormatError(
      file,
      `${file} is not a MATLAB level-5 MAT file: expected a 128-byte header starting "MATLAB 5.0 MAT-file", found "${headerText.slice(0, 20).replace(/[^\x20-\x7e]/g, '?')}".`,
    );
  }
  const endian = buffer.subarray(126, 128).toString('latin1');
  if (endian !== 'IM' && endian !== 'MI') {
    throw new DatasetFormatError(
      file,
      `${file} is not a valid MAT file: its endian indicator is "${endian}", expected "IM" or "MI".`,
    );
  }
  return endian === 'IM';
}

/** How a MAT file is read: the memory bound on decompressed variables, cancellation and progress. */
export interface MatReadOptions {
  /** Bytes all compressed variables together may decompress to. */
  readonly maximumBytes?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Bytes of the file processed so far (compressed variables count as they decompress). */
  readonly onProgress?: ((bytes: number) => void) | undefined;
}

/**
 * Decompresses one compressed element: the miMATRIX tag inside declares the size, and inflation stops there
 * (plus the 8-byte alignment padding), so a compressed element that lies about its size cannot exhaust memory.
 */
function inflateElement(
  file: string,
  reader: Reader,
  element: Element,
  maximumBytes: number,
  options: MatReadOptions,
  onFraction: (fraction: number) => void,
): Promise<Buffer> {
  return inflateBounded(element.data, {
    file,
    wrapper: 'zlib',
    headerBytes: 8,
    declaredSize: (header) => {
      if (header.length < 8) reader.fail('a compressed element holds less than one element tag');
      const first = reader.view(header).getUint32(0, reader.littleEndian);
      const size = first >>> 16 === 0 ? reader.view(header).getUint32(4, reader.littleEndian) : 0;
      return { bytes: 8 + size, what: `a variable of ${formatCount(size)} bytes` };
    },
    maximumBytes,
    slackBytes: 7,
    signal: options.signal,
    onProgress: (inflated, declared) => onFraction(declared === 0 ? 1 : inflated / declared),
  });
}

/** Reads the numeric variables of a MATLAB level-5 MAT file (compressed or not). */
export async function readMatFile(
  file: string,
  buffer: Buffer,
  options: MatReadOptions = {},
): Promise<Map<string, MatArray>> {
  const reader = new Reader(file, checkMatHeader(file, buffer));
  const variables = new Map<string, MatArray>();
  let budget = options.maximumBytes ?? defaultImportLimits().maximumDecodedBytes;
  let offset = 128;
  while (offset + 8 <= buffer.length) {
    const start = offset;
    const element = reader.element(buffer, offset, true);
    offset = element.next;
    let matrix: Element = element;
    if (element.type === dataTypes.compressed) {
      const inflated = await inflateElement(file, reader, element, budget, options, (fraction) =>
        options.onProgress?.(start + Math.round(fraction * (offset - start))),
      );
      budget -= inflated.length;
      matrix = reader.element(inflated, 0, true);
    }
    options.onProgress?.(offset);
    if (matrix.type !== dataTypes.matrix) continue;
    const array = reader.matrix(matrix.data);
    if (array !== undefined) variables.set(array.name, array);
  }
  return variables;
}
