import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseBackboneName } from '../../../src-shared/domain/backbone-catalog.js';
import { modelJsonFile, readLayersModel } from './layers-model-files.js';

/** A trained student read from a run's model folder. */
export interface StoredStudent {
  /** The saved backbone: outputs are its feature taps, then the logits. */
  readonly model: tf.LayersModel;
  readonly backbone: string;
  readonly inputShape: readonly [number, number, number];
  readonly classes: number;
}

/**
 * Reads the student a finished run saved (`<run>/model/`), with the backbone name from the model's
 * `userDefinedMetadata.rtkWorkbench.backbone`. A missing folder gets a message that says the run has no
 * finished model.
 */
export async function readStoredStudent(modelDirectory: string): Promise<StoredStudent> {
  const file = join(modelDirectory, modelJsonFile);
  const found = await stat(file).catch(() => null);
  if (found === null || !found.isFile()) {
    throw new Error(
      `No finished model: ${file} does not exist. Only a run that completed training has a model to export.`,
    );
  }
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { userDefinedMetadata?: unknown };
  const metadata = parsed.userDefinedMetadata as { rtkWorkbench?: { backbone?: unknown } } | undefined;
  const backboneName = metadata?.rtkWorkbench?.backbone;
  const model = await readLayersModel(modelDirectory);
  const name = typeof backboneName === 'string' ? backboneName : model.name;
  const backbone = parseBackboneName(name).name;
  const shape = model.inputs[0]?.shape;
  const logitsShape = model.outputs[model.outputs.length - 1]?.shape;
  const [, height, width, channels] = shape ?? [];
  const classes = logitsShape?.[1];
  if (
    typeof height !== 'number' ||
    typeof width !== 'number' ||
    typeof channels !== 'number' ||
    typeof classes !== 'number'
  ) {
    model.dispose();
    throw new Error(
      `${file}: expected an image input [batch, height, width, channels] and logits [batch, classes], found ` +
        `${JSON.stringify(shape)} and ${JSON.stringify(logitsShape)}.`,
    );
  }
  return { model, backbone, inputShape: [height, width, channels], classes };
}

/** The student's classifier alone: the same layers, with the logits as the only output (no feature taps). */
export function logitsModel(model: tf.LayersModel): tf.LayersModel {
  const logits = model.outputs[model.outputs.length - 1];
  if (logits === undefined) throw new Error(`Model "${model.name}" has no outputs.`);
  return tf.model({ inputs: model.inputs, outputs: logits, name: model.name });
}

/** Runs a model in inference mode and returns its last output (the logits), batch by batch. */
export function predictLogits(
  model: tf.LayersModel,
  images: Float32Array,
  count: number,
  batchSize = 100,
): Float32Array {
  const shape = model.inputs[0]?.shape ?? [];
  const imageSize = shape.slice(1).reduce<number>((product, size) => product * (size ?? 1), 1);
  const chunks: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const values = tf.tidy(() => {
      const input = tf.tensor(images.subarray(start * imageSize, (start + size) * imageSize), [
        size,
        ...shape.slice(1).map((value) => value ?? 1),
      ]);
      const output = model.apply(input, { training: false });
      const list = Array.isArray(output) ? output : [output];
      const last = list[list.length - 1];
      if (!(last instanceof tf.Tensor)) throw new Error(`Model "${model.name}" yielded no logits.`);
      return last.dataSync() as Float32Array;
    });
    chunks.push(values);
  }
  const joined = new Float32Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}
