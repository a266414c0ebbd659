import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { WeightPrecision } from '../../../src-shared/domain/edge-presets.js';
import { writeDirectoryAtomically, writeFileDurably } from '../files/atomic-directory.js';

// float16 and uint8 are TFJS's own weight quantisation.
export type { WeightPrecision };

export const modelJsonFile = 'model.json';
export const weightsFile = 'weights.bin';

interface WeightEncoding {
  readonly spec: tf.io.WeightsManifestEntry;
  readonly bytes: Uint8Array;
}

function float16Bits(value: number): number {
  const floatView = new Float32Array([value]);
  const bits = new Uint32Array(floatView.buffer)[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    const shifted = (mantissa | 0x800000) >> (1 - exponent);
    return sign | ((shifted + 0x1000) >> 13);
  }
  if (exponent >= 0x1f) return sign | 0x7c00;
  // Addition, not OR: a mantissa that rounds up to 0x400 must carry into the exponent.
  return sign + (exponent << 10) + ((mantissa + 0x1000) >> 13);
}

function encodeWeight(
  spec: tf.io.WeightsManifestEntry,
  values: Float32Array,
  precision: WeightPrecision,
): WeightEncoding {
  if (precision === 'float32' || spec.dtype !== 'float32') {
    return { spec, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  }
  if (precision === 'float16') {
    const halves = new Uint16Array(values.length);
    values.forEach((value, index) => (halves[index] = float16Bits(value)));
    return { spec: { ...spec, quantization: { dtype: 'float16' } }, bytes: new Uint8Array(halves.buffer) };
  }
  let minimum = Infinity;
  let maximum = -Infinity;
  for (const value of values) {
    minimum = Math.min(minimum, value);
    maximum = Math.max(maximum, value);
  }
  // Affine per-tensor quantisation, as TFJS's converter does: value ≈ min + scale · q.
  const scale = maximum > minimum ? (maximum - minimum) / 255 : 1;
  const quantized = new Uint8Array(values.length);
  values.forEach((value, index) => (quantized[index] = Math.round((value - minimum) / scale)));
  return { spec: { ...spec, quantization: { dtype: 'uint8', scale, min: minimum } }, bytes: quantized };
}

/**
 * Writes a tfjs-layers model as model.json + one weights file (the layout tf.loadLayersModel reads), at
 * the given precision, atomically: the folder appears complete or not at all.
 */
export async function writeLayersModel(
  model: tf.LayersModel,
  directory: string,
  options: {
    readonly precision: WeightPrecision;
    readonly replace: boolean;
    readonly userDefinedMetadata?: Record<string, unknown>;
  },
): Promise<{ readonly modelJsonBytes: number; readonly weightBytes: number }> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler((saved) => {
      artifacts = saved;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  const saved = artifacts as tf.io.ModelArtifacts | null;
  if (saved === null || saved.weightSpecs === undefined || saved.weightData === undefined) {
    throw new Error(`Model ${model.name} produced no weights to save.`);
  }
  const weightData = new tf.io.CompositeArrayBuffer(saved.weightData).slice();
  const encoded: WeightEncoding[] = [];
  let offset = 0;
  for (const spec of saved.weightSpecs) {
    const count = spec.shape.reduce((product, size) => product * size, 1);
    const bytesPerValue = spec.dtype === 'float32' || spec.dtype === 'int32' ? 4 : 1;
    const slice = weightData.slice(offset, offset + count * bytesPerValue);
    offset += count * bytesPerValue;
    encoded.push(
      encodeWeight(spec, new Float32Array(slice), spec.dtype === 'float32' ? options.precision : 'float32'),
    );
  }
  const weightBytes = encoded.reduce((total, entry) => total + entry.bytes.length, 0);
  const joined = new Uint8Array(weightBytes);
  let position = 0;
  for (const entry of encoded) {
    joined.set(entry.bytes, position);
    position += entry.bytes.length;
  }
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'RTK Workbench',
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: [weightsFile], weights: encoded.map((entry) => entry.spec) }],
    ...(options.userDefinedMetadata === undefined
      ? {}
      : { userDefinedMetadata: options.userDefinedMetadata }),
  });
  await writeDirectoryAtomically(
    directory,
    async (temporary) => {
      await writeFileDurably(join(temporary, weightsFile), joined);
      await writeFileDurably(join(temporary, modelJsonFile), modelJson);
    },
    { replace: options.replace },
  );
  return { modelJsonBytes: Buffer.byteLength(modelJson), weightBytes };
}

const storedModelJsonSchema = z.object({
  modelTopology: z.looseObject({}),
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string().min(1)),
      weights: z.array(
        z.looseObject({
          name: z.string(),
          shape: z.array(z.number().int().nonnegative()),
          dtype: z.string(),
        }),
      ),
    }),
  ),
});

/**
 * Reads model.json + weights written by writeLayersModel, or any single-folder TFJS layers model whose
 * model file may have another name (`modelFileName`).
 */
export async function readLayersModel(
  directory: string,
  modelFileName = modelJsonFile,
): Promise<tf.LayersModel> {
  const file = join(directory, modelFileName);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `Cannot read the model ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const checked = storedModelJsonSchema.safeParse(raw);
  if (!checked.success) {
    throw new Error(
      `${file} is not a TensorFlow.js layers model: ${checked.error.issues
        .map((issue) => `${issue.path.join('.') || 'model.json'}: ${issue.message}`)
        .join('; ')}.`,
    );
  }
  const parsed = checked.data;
  const weightSpecs = parsed.weightsManifest.flatMap(
    (group) => group.weights,
  ) as tf.io.WeightsManifestEntry[];
  const buffers = await Promise.all(
    parsed.weightsManifest
      .flatMap((group) => group.paths)
      .map(async (path) => {
        const bytes = await readFile(join(directory, path));
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      }),
  );
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData: buffers }),
  );
}
