import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { TeacherBatch, TeacherNeed } from '../distill/distiller.js';
import {
  onnxInputName,
  onnxLogitsName,
  onnxTapName,
  onnxTapSummaryNames,
  writeOnnxModel,
} from '../export/onnx-writer.js';
import type { Backbone } from '../models/types.js';

/** How to run a frozen teacher in ONNX Runtime. */
export interface OnnxTeacherOptions {
  /** ONNX Runtime intra-op threads (the calling thread counts as one). */
  readonly threads: number;
  /** What the method reads of the teacher: logits (KD), full taps (AT) or the taps' summaries (AFD, RTK). */
  readonly need: Exclude<TeacherNeed, 'nothing'>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Session options for a teacher forward. Spinning is off because the student's step runs on the same
 * cores right after the teacher: idle ORT threads that spin would take those cores from the wasm threads.
 */
function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/**
 * A frozen teacher converted to ONNX (NHWC input, BatchNorm folded) and run by onnxruntime-node on the
 * CPU, giving the same logits and feature taps as `runBackbone(teacher, images, false)`.
 */
export class OnnxTeacher {
  private session: ort.InferenceSession | null;

  private constructor(
    private readonly teacher: Backbone,
    private readonly need: Exclude<TeacherNeed, 'nothing'>,
    session: ort.InferenceSession,
  ) {
    this.session = session;
  }

  /**
   * Converts the teacher's current weights to an in-memory ONNX model and opens a session on it. Rejects
   * with the reason when the teacher cannot be converted, so the caller can fall back to TensorFlow.js.
   */
  static async create(teacher: Backbone, options: OnnxTeacherOptions): Promise<OnnxTeacher> {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new Error(
        `The ONNX teacher needs a whole number of threads of at least 1, found ${String(options.threads)}.`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = writeOnnxModel(teacher.model, {
        layout: 'NHWC',
        probabilities: false,
        metadata: {},
        producerVersion: 'teacher',
        featureTaps: options.need === 'taps',
        tapSummaries: options.need === 'summaries',
      }).bytes;
    } catch (error) {
      throw new Error(`Teacher "${teacher.name}" cannot run in ONNX Runtime: ${messageOf(error)}`, {
        cause: error,
      });
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, sessionOptions(options.threads));
    } catch (error) {
      throw new Error(`ONNX Runtime could not load teacher "${teacher.name}": ${messageOf(error)}`, {
        cause: error,
      });
    }
    return new OnnxTeacher(teacher, options.need, session);
  }

  /** NHWC float32 images (already normalised, batch × H × W × C) → what the method needs, as tfjs tensors. */
  async run(images: Float32Array, batchSize: number): Promise<TeacherBatch> {
    const session = this.session;
    const { name, inputShape, classes } = this.teacher;
    if (session === null) throw new Error(`The ONNX teacher "${name}" was disposed and cannot run.`);
    const [height, width, channels] = inputShape;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(
        `The ONNX teacher "${name}" needs a batch size of at least 1, found ${String(batchSize)}.`,
      );
    }
    const expected = batchSize * height * width * channels;
    if (images.length !== expected) {
      throw new Error(
        `The ONNX teacher "${name}" got ${images.length} image values for a batch of ${batchSize} ` +
          `${height}×${width}×${channels} images; expected ${expected}.`,
      );
    }
    const input = new ort.Tensor('float32', images, [batchSize, height, width, channels]);
    const results = await session.run({ [onnxInputName]: input });
    const read = (outputName: string, shape: readonly number[]): Float32Array => {
      const output = results[outputName];
      if (output === undefined || !(output.data instanceof Float32Array)) {
        throw new Error(`The ONNX teacher "${name}" returned no float32 output "${outputName}".`);
      }
      if (JSON.stringify(output.dims) !== JSON.stringify(shape)) {
        throw new Error(
          `The ONNX teacher "${name}" returned "${outputName}" of shape ${JSON.stringify(output.dims)}, ` +
            `expected ${JSON.stringify(shape)}.`,
        );
      }
      return output.data;
    };
    // Every output is read and checked before any tf tensor exists, so a bad output leaks nothing.
    const logitsValues = read(onnxLogitsName, [batchSize, classes]);
    const tapValues =
      this.need === 'taps'
        ? this.teacher.taps.map((tap, position) => {
            const shape: [number, number, number, number] = [batchSize, ...tap.shape];
            return { values: read(onnxTapName(position), shape), shape };
          })
        : [];
    const summaryValues =
      this.need === 'summaries'
        ? this.teacher.taps.map((tap, position) => {
            const names = onnxTapSummaryNames(position);
            const [height, width, channels] = tap.shape;
            return {
              channelMeans: read(names.channelMeans, [batchSize, channels]),
              channels,
              energy: read(names.energy, [batchSize, height * width]),
              area: height * width,
            };
          })
        : [];
    return {
      logits: tf.tensor2d(logitsValues, [batchSize, classes]),
      taps: tapValues.map(({ values, shape }) => tf.tensor4d(values, shape)),
      channelMeans: summaryValues.map((summary) =>
        tf.tensor2d(summary.channelMeans, [batchSize, summary.channels]),
      ),
      energyMaps: summaryValues.map((summary) => tf.tensor2d(summary.energy, [batchSize, summary.area])),
    };
  }

  /** Releases the ONNX Runtime session; `run` fails afterwards. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session !== null) await session.release();
  }
}
