import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import {
  checkMemoryFor,
  elementCount,
  elementTypes,
  TeacherFileError,
  type ElementType,
  type NamedTensor,
} from './named-tensors.js';
import {
  isPickleObject,
  isPickleTuple,
  PickleDict,
  PickleError,
  readPickle,
  type PickleGlobal,
  type PickleValue,
} from './pickle.js';

/** torch's storage classes (named by persistent ids) and the element type each holds. */
const storageTypes: Readonly<Record<string, ElementType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** The globals a state_dict checkpoint may name: tensor rebuilders, storage classes and OrderedDict. */
const allowedGlobals = new Set([
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'collections.OrderedDict',
  ...Object.keys(storageTypes).map((name) => `torch.${name}`),
]);

interface StorageReference {
  readonly kind: 'storage';
  readonly type: ElementType;
  readonly bytes: Uint8Array;
}

function isStorage(value: unknown): value is StorageReference {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'storage';
}

/** Whether a checkpoint value is a tensor the reader built. */
export function isTensorValue(value: PickleValue): value is { kind: 'object'; value: NamedTensor } {
  return (
    isPickleObject(value) &&
    typeof value.value === 'object' &&
    value.value !== null &&
    'values' in value.value
  );
}

/** The zip entries a checkpoint needs, read into memory after checking their declared sizes. */
async function readZipEntries(file: string, fileBytes: number): Promise<Map<string, Buffer>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, {
      lazyEntries: true,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (error) {
    throw new TeacherFileError(
      `${file} is not a readable zip archive (a PyTorch checkpoint saved by torch 1.6 or newer is one): ` +
        `${error instanceof Error ? error.message.replace(/\.+$/, '') : String(error)}; the file may be truncated.`,
    );
  }
  const entries = new Map<string, Buffer>();
  let declared = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      declared += entry.uncompressedSize;
      // A zip bomb declares far more than the file holds; torch stores its entries uncompressed.
      if (declared > fileBytes * 4 + 1_048_576) {
        throw new TeacherFileError(
          `${file} declares ${declared} bytes of content in ${fileBytes} bytes of file; a PyTorch ` +
            'checkpoint stores its tensors uncompressed, so this is not one.',
        );
      }
      const stream: Readable = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      entries.set(entry.fileName, Buffer.concat(chunks));
    }
  } catch (error) {
    if (error instanceof TeacherFileError) throw error;
    throw new TeacherFileError(
      `${file} is a damaged zip archive (${error instanceof Error ? error.message : String(error)}); ` +
        'the file may be truncated.',
    );
  } finally {
    zip.close();
  }
  return entries;
}

function tupleItems(value: PickleValue, what: string, file: string): readonly PickleValue[] {
  if (!isPickleTuple(value)) throw new TeacherFileError(`${file}: ${what} is not a tuple.`);
  return value.items;
}

function integerList(value: PickleValue, what: string, file: string): number[] {
  return tupleItems(value, what, file).map((item) => {
    if (typeof item !== 'number' || !Number.isInteger(item) || item < 0) {
      throw new TeacherFileError(
        `${file}: ${what} holds ${typeof item === 'number' ? item : 'a non-number'}, not a size.`,
      );
    }
    return item;
  });
}

/** A tensor from its storage, offset, sizes and strides, gathered into a contiguous float32 array. */
function rebuildTensor(argumentsValue: readonly PickleValue[], file: string): NamedTensor {
  const [storage, offsetValue, sizeValue, strideValue] = argumentsValue;
  if (!isPickleObject(storage) || !isStorage(storage.value)) {
    throw new TeacherFileError(`${file}: a tensor is rebuilt from something that is not a storage.`);
  }
  const { type, bytes } = storage.value;
  const shape = integerList(sizeValue ?? null, 'a tensor size', file);
  const strides = integerList(strideValue ?? null, 'a tensor stride', file);
  const offset = typeof offsetValue === 'number' ? offsetValue : -1;
  if (!Number.isInteger(offset) || offset < 0 || strides.length !== shape.length) {
    throw new TeacherFileError(`${file}: a tensor has an unreadable offset or stride.`);
  }
  const { bytes: itemBytes, read } = elementTypes[type];
  const storageElements = Math.floor(bytes.length / itemBytes);
  const count = elementCount(shape);
  const values = new Float32Array(count);
  if (count > 0) {
    let last = offset;
    shape.forEach((size, axis) => (last += (size - 1) * (strides[axis] ?? 0)));
    if (last >= storageElements) {
      throw new TeacherFileError(
        `${file}: a tensor of shape [${shape.join(', ')}] reads element ${last} of a storage of ` +
          `${storageElements}; the file is damaged or truncated.`,
      );
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < count; flat += 1) {
    let element = offset;
    for (let axis = 0; axis < shape.length; axis += 1) element += (index[axis] ?? 0) * (strides[axis] ?? 0);
    values[flat] = read(view, element * itemBytes);
    for (let axis = shape.length - 1; axis >= 0; axis -= 1) {
      index[axis] = (index[axis] ?? 0) + 1;
      if ((index[axis] ?? 0) < (shape[axis] ?? 0)) break;
      index[axis] = 0;
    }
  }
  return { shape, values, storedAs: type };
}

/**
 * Reads a PyTorch checkpoint (the zip format of torch ≥ 1.6: `<name>/data.pkl` and `<name>/data/<key>`)
 * without running Python or any code of the file: the pickle may only rebuild tensors and plain containers.
 * Returns the checkpoint's top-level value, tensors as `{kind: 'object', value: NamedTensor}`.
 */
export async function readPytorchCheckpoint(file: string, availableMemory?: number): Promise<PickleValue> {
  const fileBytes = (await stat(file)).size;
  checkMemoryFor(file, fileBytes, 3, availableMemory);
  const entries = await readZipEntries(file, fileBytes);
  const pickles = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if ([...entries.keys()].some((name) => /^[^/]+\/code\//.test(name))) {
    throw new TeacherFileError(
      `${file} is a TorchScript archive (torch.jit.save); save the model's state_dict with torch.save, or ` +
        'export it to ONNX, and import that.',
    );
  }
  const pickleName = pickles[0];
  if (pickleName === undefined || pickles.length > 1) {
    throw new TeacherFileError(
      `${file} is a zip archive but not a PyTorch checkpoint: expected one <name>/data.pkl entry, found ` +
        `${pickles.length === 0 ? 'none' : pickles.join(', ')}.`,
    );
  }
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteOrder = entries.get(`${prefix}byteorder`)?.toString('latin1');
  if (byteOrder !== undefined && byteOrder !== 'little') {
    throw new TeacherFileError(
      `${file} was saved on a ${byteOrder}-endian machine; only little-endian is read.`,
    );
  }
  const pickleBytes = entries.get(pickleName) ?? Buffer.alloc(0);
  try {
    return readPickle(
      pickleBytes,
      {
        allowGlobal: (module, name) => allowedGlobals.has(`${module}.${name}`),
        persistentLoad: (id) => {
          const [tag, typeValue, key, , numel] = tupleItems(id, 'a persistent id', file);
          const typeName = (typeValue as PickleGlobal | null)?.name ?? '';
          const type = storageTypes[typeName];
          if (tag !== 'storage' || type === undefined || typeof key !== 'string') {
            throw new TeacherFileError(
              `${file}: a persistent id names something other than a tensor storage.`,
            );
          }
          const bytes = entries.get(`${prefix}data/${key}`);
          if (bytes === undefined) {
            throw new TeacherFileError(
              `${file}: storage ${key} is missing from the archive; the file is damaged.`,
            );
          }
          if (typeof numel === 'number' && bytes.length < numel * elementTypes[type].bytes) {
            throw new TeacherFileError(
              `${file}: storage ${key} holds ${bytes.length} bytes but declares ${numel} ${type} values; ` +
                'the file is truncated.',
            );
          }
          return { kind: 'object', value: { kind: 'storage', type, bytes } satisfies StorageReference };
        },
        reduce: (callee, argumentsValue) => {
          const name = `${callee.module}.${callee.name}`;
          if (name === 'torch._utils._rebuild_tensor_v2') {
            return { kind: 'object', value: rebuildTensor(argumentsValue, file) };
          }
          if (name === 'torch._utils._rebuild_parameter') return argumentsValue[0] ?? null;
          if (name === 'collections.OrderedDict' && argumentsValue.length === 0) return new PickleDict();
          throw new TeacherFileError(`${file}: the pickle calls ${name} in a way a state_dict never does.`);
        },
      },
      file,
    );
  } catch (error) {
    if (error instanceof PickleError || error instanceof TeacherFileError) {
      throw new TeacherFileError(error.message);
    }
    throw error;
  }
}
