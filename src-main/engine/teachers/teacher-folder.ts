import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { teacherRecordSchema, type TeacherRecord } from '../../../src-shared/contracts/teacher-types.js';
import { requestedWasmThreads } from '../backends/wasm-threads.js';
import type { ChannelStatistics, ImageShape } from '../data/types.js';
import type { TeacherBatch } from '../distill/distiller.js';
import { readLayersModel } from '../export/layers-model-files.js';
import { buildBackbone } from '../models/index.js';
import type { FeatureTap } from '../models/types.js';
import { createTeacherRunner, type ExternalTeacher, type TeacherRunner } from '../train/teacher-runner.js';
import { ImportedOnnxTeacher, type StoredTeacherGraph } from './imported-onnx-teacher.js';
import { TeacherInputPreparer } from './input-contract.js';

/** The files of a teacher's folder (`<home>/teachers/<id>/`). */
export const storedTeacherFile = 'teacher.json';
export const teacherOnnxFile = 'teacher.onnx';
export const teacherModelFolder = 'model';

/** teacher.json: the record, and for an ONNX teacher where its graph's input and logits are. */
export const storedTeacherFileSchema = z
  .object({
    record: teacherRecordSchema,
    onnx: z.object({ file: z.string(), inputName: z.string(), logitsName: z.string() }).strict().nullable(),
  })
  .strict();
export type StoredTeacherFile = z.infer<typeof storedTeacherFileSchema>;

/** Reads and checks a teacher folder's teacher.json. */
export function readTeacherFolder(directory: string): StoredTeacherFile {
  const file = join(directory, storedTeacherFile);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `The imported teacher's ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const parsed = storedTeacherFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`The imported teacher's ${file} is damaged: ${parsed.error.message}`);
  return parsed.data;
}

/** The chosen taps (all when `indices` is null), renumbered 0…n−1 with their stages made consecutive. */
export function chooseTaps(record: TeacherRecord, indices: readonly number[] | null): TeacherRecord['taps'] {
  const chosen =
    indices === null
      ? record.taps
      : [...new Set(indices)]
          .sort((left, right) => left - right)
          .map((index) => {
            const tap = record.taps[index];
            if (tap === undefined) {
              throw new Error(
                `Teacher "${record.name}" has taps 0 to ${record.taps.length - 1}; tap ${index} was chosen.`,
              );
            }
            return tap;
          });
  const stages = [...new Set(chosen.map((tap) => tap.stage))];
  return chosen.map((tap, index) => ({ ...tap, index, stage: stages.indexOf(tap.stage) }));
}

function featureTaps(taps: TeacherRecord['taps']): FeatureTap[] {
  return taps.map((tap) => ({ index: tap.index, name: tap.name, stage: tap.stage, shape: tap.shape }));
}

/** Keeps the chosen taps' tensors of a catalog teacher's batch and frees the others. */
function keepTaps(
  batch: TeacherBatch,
  positions: readonly number[] | null,
  classOrder: tf.Tensor1D | null,
): TeacherBatch {
  const pick = <Tensor extends tf.Tensor>(tensors: readonly Tensor[]): Tensor[] => {
    if (positions === null) return [...tensors];
    tf.dispose(tensors.filter((_, index) => !positions.includes(index)));
    return positions
      .map((position) => tensors[position])
      .filter((tensor): tensor is Tensor => tensor !== undefined);
  };
  let logits = batch.logits;
  if (classOrder !== null) {
    logits = tf.gather(batch.logits, classOrder, 1);
    batch.logits.dispose();
  }
  return {
    logits,
    taps: pick(batch.taps),
    channelMeans: pick(batch.channelMeans),
    energyMaps: pick(batch.energyMaps),
  };
}

/**
 * An imported ONNX teacher graph as the trainer's ExternalTeacher: each runner is an ONNX Runtime session on
 * the CPU (also when the student trains on a GPU, which its engine string says) with the outputs the
 * method needs.
 */
export function externalOnnxTeacher(
  graph: StoredTeacherGraph,
  taps: readonly FeatureTap[],
  preparer: TeacherInputPreparer,
  environment: NodeJS.ProcessEnv = process.env,
): ExternalTeacher {
  return {
    kind: 'external',
    name: graph.name,
    classes: graph.classOrder.length,
    taps,
    createRunner: async (need) => {
      const threads = requestedWasmThreads(environment);
      const teacher = await ImportedOnnxTeacher.create(graph, preparer, need, threads);
      const backend = tf.getBackend();
      const onCpu = backend === 'wasm' || backend === 'cpu';
      return {
        engine:
          `ONNX Runtime (CPU, ${threads} ${threads === 1 ? 'thread' : 'threads'})` +
          (onCpu ? '' : `: an imported ONNX teacher runs on the CPU while the student trains on ${backend}`),
        run: (input, images) => teacher.run(images, input.shape[0]),
        dispose: () => teacher.dispose(),
      };
    },
    dispose: () => undefined,
  };
}

/**
 * Opens an imported teacher for training on a dataset of `datasetShape` images: an ONNX teacher runs in
 * ONNX Runtime with the chosen taps computed in its graph; a checkpoint teacher is the catalog backbone it
 * was loaded into, run as the workbench's own teachers are. Both get their input contract applied to the
 * student's batches and their logits put in the dataset's class order.
 */
export async function openImportedTeacher(
  directory: string,
  datasetShape: ImageShape,
  statistics: ChannelStatistics,
  tapIndices: readonly number[] | null,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<ExternalTeacher> {
  const { record, onnx } = readTeacherFolder(directory);
  const taps = chooseTaps(record, tapIndices);
  const teacherChannels = record.layout === 'NCHW' ? record.inputShape[0] : record.inputShape[2];
  const [height, width] = datasetShape;
  const recordHeight = record.layout === 'NCHW' ? record.inputShape[1] : record.inputShape[0];
  const recordWidth = record.layout === 'NCHW' ? record.inputShape[2] : record.inputShape[1];
  if (recordHeight !== height || recordWidth !== width || record.classes !== record.classOrder.length) {
    throw new Error(
      `Teacher "${record.name}" was imported for ${recordHeight}x${recordWidth} images but the run's are ${height}x${width}.`,
    );
  }
  const preparer = new TeacherInputPreparer(
    datasetShape,
    statistics,
    record.contract,
    record.layout,
    teacherChannels,
  );
  const base = {
    kind: 'external' as const,
    name: record.name,
    classes: record.classes,
    taps: featureTaps(taps),
  };
  if (onnx !== null) {
    return externalOnnxTeacher(
      {
        name: record.name,
        bytes: readFileSync(join(directory, onnx.file)),
        inputName: onnx.inputName,
        logitsName: onnx.logitsName,
        layout: record.layout,
        height,
        width,
        fixedBatch: record.batchSize,
        classes: record.classes,
        classOrder: record.classOrder,
        taps: taps.map((tap) => ({ tensor: tap.tensor ?? '', layout: tap.layout, shape: tap.shape })),
      },
      base.taps,
      preparer,
      environment,
    );
  }
  if (record.backbone === null)
    throw new Error(`Teacher "${record.name}" has neither a graph nor a backbone.`);
  const stored = await readLayersModel(join(directory, teacherModelFolder));
  const backbone = buildBackbone(record.backbone, {
    inputShape: [height, width, teacherChannels],
    classes: record.classes,
    seed: 0,
  });
  try {
    backbone.model.setWeights(stored.getWeights());
  } finally {
    stored.dispose();
  }
  const identity = record.classOrder.every((output, index) => output === index);
  const positions =
    tapIndices === null
      ? null
      : taps.map((tap) => record.taps.findIndex((candidate) => candidate.name === tap.name));
  return {
    ...base,
    createRunner: async (need): Promise<TeacherRunner> => {
      const inner = await createTeacherRunner(backbone, need, environment);
      const order = identity ? null : tf.tensor1d(record.classOrder, 'int32');
      return {
        engine: inner.engine,
        run: async (input, images) => {
          const batch = input.shape[0];
          const prepared = preparer.prepare(images, batch);
          const teacherInput = tf.tensor4d(prepared, [batch, height, width, teacherChannels]);
          try {
            return keepTaps(await inner.run(teacherInput, prepared), positions, order);
          } finally {
            teacherInput.dispose();
          }
        },
        dispose: async () => {
          order?.dispose();
          await inner.dispose();
        },
      };
    },
    dispose: () => backbone.model.dispose(),
  };
}
