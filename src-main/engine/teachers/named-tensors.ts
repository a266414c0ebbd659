import { freemem } from 'node:os';

/** One tensor of a checkpoint, converted to float32 and laid out contiguously (row-major). */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** The dtype it was stored with (`float32`, `float16`, `int64`, ...). */
  readonly storedAs: string;
}

/** A teacher file's tensors by their key, in file order. */
export type TensorMap = ReadonlyMap<string, NamedTensor>;

/** Raised when a teacher file cannot be read; the message names the file, what was expected and found. */
export class TeacherFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeacherFileError';
  }
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Half-precision bits to a number. */
export function float16ToNumber(bits: number): number {
  const sign = (bits & 0x8000) === 0 ? 1 : -1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** bfloat16 bits to a number: the upper half of a float32. */
export function bfloat16ToNumber(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16, false);
  return view.getFloat32(0, false);
}

/** The numeric element types teacher files store, with their byte sizes and little-endian readers. */
export const elementTypes = {
  float32: { bytes: 4, read: (view: DataView, offset: number) => view.getFloat32(offset, true) },
  float64: { bytes: 8, read: (view: DataView, offset: number) => view.getFloat64(offset, true) },
  float16: {
    bytes: 2,
    read: (view: DataView, offset: number) => float16ToNumber(view.getUint16(offset, true)),
  },
  bfloat16: {
    bytes: 2,
    read: (view: DataView, offset: number) => bfloat16ToNumber(view.getUint16(offset, true)),
  },
  int64: { bytes: 8, read: (view: DataView, offset: number) => Number(view.getBigInt64(offset, true)) },
  int32: { bytes: 4, read: (view: DataView, offset: number) => view.getInt32(offset, true) },
  int16: { bytes: 2, read: (view: DataView, offset: number) => view.getInt16(offset, true) },
  int8: { bytes: 1, read: (view: DataView, offset: number) => view.getInt8(offset) },
  uint8: { bytes: 1, read: (view: DataView, offset: number) => view.getUint8(offset) },
  bool: { bytes: 1, read: (view: DataView, offset: number) => view.getUint8(offset) },
} as const;
export type ElementType = keyof typeof elementTypes;

/**
 * Refuses a file that needs more memory than the machine has free: `bytes` times `factor` (copies made while
 * reading and converting) must fit in `available` (the free memory by default).
 */
export function checkMemoryFor(
  file: string,
  bytes: number,
  factor: number,
  available: number = freemem(),
): void {
  const needed = bytes * factor;
  if (needed > available) {
    const gib = (value: number): string => `${(value / 2 ** 30).toFixed(1)} GiB`;
    throw new TeacherFileError(
      `${file} is ${gib(bytes)}; reading it needs about ${gib(needed)} of memory, but only ${gib(available)} ` +
        'is free. Close other programs or use a smaller teacher.',
    );
  }
}
