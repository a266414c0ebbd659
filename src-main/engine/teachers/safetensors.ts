import { readFile, stat } from 'node:fs/promises';
import {
  checkMemoryFor,
  elementCount,
  elementTypes,
  TeacherFileError,
  type ElementType,
  type NamedTensor,
} from './named-tensors.js';

/** safetensors dtype names and the element types they hold. */
const safetensorsTypes: Readonly<Record<string, ElementType>> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

/** The header of a safetensors file may not be larger than this (the format's own limit is 100 MB). */
const maximumHeaderBytes = 100 * 1024 * 1024;

/**
 * Reads a safetensors file: a little-endian u64 header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw data. Every range is checked against the data and the shape.
 */
export async function readSafetensors(
  file: string,
  availableMemory?: number,
): Promise<Map<string, NamedTensor>> {
  const fileBytes = (await stat(file)).size;
  checkMemoryFor(file, fileBytes, 3, availableMemory);
  const bytes = await readFile(file);
  if (bytes.length < 8) {
    throw new TeacherFileError(
      `${file} holds ${bytes.length} bytes; a safetensors file starts with an 8-byte header length.`,
    );
  }
  const headerLength = bytes.readBigUInt64LE(0);
  if (headerLength < 2n || headerLength > BigInt(Math.min(maximumHeaderBytes, bytes.length - 8))) {
    throw new TeacherFileError(
      `${file} declares a ${headerLength} byte header in a file of ${bytes.length} bytes; it is not a ` +
        'safetensors file, or it is truncated.',
    );
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(8, dataStart).toString('utf8'));
  } catch {
    throw new TeacherFileError(`${file}: the safetensors header is not valid JSON.`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TeacherFileError(`${file}: the safetensors header is not a JSON object.`);
  }
  const dataBytes = bytes.length - dataStart;
  const tensors = new Map<string, NamedTensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = (entry ?? {}) as {
      dtype?: unknown;
      shape?: unknown;
      data_offsets?: unknown;
    };
    const type = typeof dtype === 'string' ? safetensorsTypes[dtype] : undefined;
    if (type === undefined) {
      throw new TeacherFileError(
        `${file}: tensor "${name}" has dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(safetensorsTypes).join(', ')}.`,
      );
    }
    if (
      !Array.isArray(shape) ||
      !shape.every((size) => Number.isSafeInteger(size) && (size as number) >= 0)
    ) {
      throw new TeacherFileError(
        `${file}: tensor "${name}" has an unreadable shape ${JSON.stringify(shape)}.`,
      );
    }
    const [begin, end] = Array.isArray(offsets) ? (offsets as unknown[]) : [];
    const itemBytes = elementTypes[type].bytes;
    const expected = elementCount(shape as number[]) * itemBytes;
    if (
      typeof begin !== 'number' ||
      typeof end !== 'number' ||
      !Number.isSafeInteger(begin) ||
      !Number.isSafeInteger(end) ||
      begin < 0 ||
      end > dataBytes ||
      end - begin !== expected
    ) {
      throw new TeacherFileError(
        `${file}: tensor "${name}" (${dtype as string}, [${(shape as number[]).join(', ')}]) needs ${expected} bytes ` +
          `but its range is ${JSON.stringify(offsets)} in ${dataBytes} bytes of data; the file is damaged or truncated.`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, expected);
    const values = new Float32Array(expected / itemBytes);
    const read = elementTypes[type].read;
    for (let index = 0; index < values.length; index += 1) values[index] = read(view, index * itemBytes);
    tensors.set(name, { shape: shape as number[], values, storedAs: type });
  }
  return tensors;
}
