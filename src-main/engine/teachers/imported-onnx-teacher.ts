import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { TeacherBatch } from '../distill/distiller.js';
import type { ImageShape } from '../data/types.js';
import type { TeacherInputPreparer } from './input-contract.js';
import {
  augmentTeacherGraph,
  teacherInputDims,
  teacherOutputNames,
  teacherSessionOptions,
  type TeacherGraphNeed,
  type TeacherLayout,
} from './onnx-teacher-graph.js';

/** What the runner needs to know of a stored ONNX teacher graph. */
export interface StoredTeacherGraph {
  readonly name: string;
  /** The stored model (a free batch dimension when the graph allowed it). */
  readonly bytes: Uint8Array;
  readonly inputName: string;
  readonly logitsName: string;
  readonly layout: TeacherLayout;
  readonly height: number;
  readonly width: number;
  readonly fixedBatch: number | null;
  readonly classes: number;
  /** For each dataset class, the teacher output that scores it. */
  readonly classOrder: readonly number[];
  /** The taps the method reads, in the order the distiller sees them. */
  readonly taps: readonly {
    readonly tensor: string;
    readonly layout: TeacherLayout;
    readonly shape: ImageShape;
  }[];
}

/**
 * An imported teacher graph run by onnxruntime-node on the CPU. It takes batches as the student sees them
 * (NHWC, normalised with the dataset's statistics), prepares them as the teacher's input contract says, runs
 * the graph with the outputs the method needs (computed inside the graph), and returns the logits in the
 * dataset's class order.
 */
export class ImportedOnnxTeacher {
  private session: ort.InferenceSession | null;

  private constructor(
    private readonly graph: StoredTeacherGraph,
    private readonly preparer: TeacherInputPreparer,
    private readonly need: TeacherGraphNeed,
    session: ort.InferenceSession,
  ) {
    this.session = session;
  }

  /** Opens a session on the stored graph with the outputs `need` asks for. */
  static async create(
    graph: StoredTeacherGraph,
    preparer: TeacherInputPreparer,
    need: TeacherGraphNeed,
    threads: number,
  ): Promise<ImportedOnnxTeacher> {
    const bytes = augmentTeacherGraph(graph.bytes, graph.logitsName, graph.taps, need);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, teacherSessionOptions(threads));
    } catch (error) {
      throw new Error(
        `ONNX Runtime could not load teacher "${graph.name}": ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return new ImportedOnnxTeacher(graph, preparer, need, session);
  }

  /** The output arrays of one batch, by output name, in the dataset's class order for the logits. */
  private async outputs(images: Float32Array, batch: number): Promise<Map<string, Float32Array>> {
    const session = this.session;
    const { name, fixedBatch, classes, classOrder, inputName } = this.graph;
    if (session === null) throw new Error(`The teacher "${name}" was disposed and cannot run.`);
    const prepared = this.preparer.prepare(images, batch);
    const imageSize = this.preparer.teacherImageSize;
    const chunk = fixedBatch ?? batch;
    const collected = new Map<string, Float32Array[]>();
    for (let start = 0; start < batch; start += chunk) {
      const size = Math.min(chunk, batch - start);
      let values = prepared.subarray(start * imageSize, (start + size) * imageSize);
      if (size < chunk) {
        // A graph fixed to a batch size gets the last images padded with zeros; their outputs are dropped.
        const padded = new Float32Array(chunk * imageSize);
        padded.set(values);
        values = padded;
      }
      const results = await session.run({
        [inputName]: new ort.Tensor(
          'float32',
          values,
          teacherInputDims({ ...this.graph, channels: this.preparer.teacherChannels }, chunk),
        ),
      });
      for (const [outputName, tensor] of Object.entries(results)) {
        if (!(tensor.data instanceof Float32Array) || tensor.dims[0] !== chunk) {
          throw new Error(`The teacher "${name}" returned no float32 batch for output "${outputName}".`);
        }
        const perImage = tensor.data.length / chunk;
        collected.set(outputName, [
          ...(collected.get(outputName) ?? []),
          tensor.data.subarray(0, size * perImage),
        ]);
      }
    }
    const joined = new Map<string, Float32Array>();
    for (const [outputName, parts] of collected) {
      const total = parts.reduce((sum, part) => sum + part.length, 0);
      const whole = new Float32Array(total);
      let offset = 0;
      for (const part of parts) {
        whole.set(part, offset);
        offset += part.length;
      }
      joined.set(outputName, whole);
    }
    const raw = joined.get(teacherOutputNames.logits);
    if (raw?.length !== batch * classes) {
      throw new Error(
        `The teacher "${name}" returned ${raw?.length ?? 0} logits for ${batch} images of ${classes} classes.`,
      );
    }
    const ordered = new Float32Array(batch * classOrder.length);
    for (let image = 0; image < batch; image += 1) {
      classOrder.forEach((output, datasetClass) => {
        ordered[image * classOrder.length + datasetClass] = raw[image * classes + output] ?? 0;
      });
    }
    joined.set(teacherOutputNames.logits, ordered);
    return joined;
  }

  /** The logits of a batch (batch × classes, dataset order). */
  async logits(images: Float32Array, batch: number): Promise<Float32Array> {
    const outputs = await this.outputs(images, batch);
    return outputs.get(teacherOutputNames.logits) ?? new Float32Array(0);
  }

  /** What the method needs of a batch, as tfjs tensors (the caller disposes them). */
  async run(images: Float32Array, batch: number): Promise<TeacherBatch> {
    const outputs = await this.outputs(images, batch);
    const classes = this.graph.classOrder.length;
    const read = (outputName: string, length: number): Float32Array => {
      const values = outputs.get(outputName);
      if (values?.length !== length) {
        throw new Error(
          `The teacher "${this.graph.name}" returned ${values?.length ?? 0} values for "${outputName}", expected ${length}.`,
        );
      }
      return values;
    };
    // Every output is read and checked before any tf tensor exists, so a bad output leaks nothing.
    const logits = read(teacherOutputNames.logits, batch * classes);
    const taps =
      this.need === 'taps'
        ? this.graph.taps.map((tap, index) => {
            const shape: [number, number, number, number] = [batch, ...tap.shape];
            return {
              values: read(teacherOutputNames.tap(index), batch * tap.shape[0] * tap.shape[1] * tap.shape[2]),
              shape,
            };
          })
        : [];
    const summaries =
      this.need === 'summaries'
        ? this.graph.taps.map((tap, index) => {
            const [height, width, channels] = tap.shape;
            return {
              means: read(teacherOutputNames.channelMeans(index), batch * channels),
              channels,
              energy: read(teacherOutputNames.energy(index), batch * height * width),
              area: height * width,
            };
          })
        : [];
    return {
      logits: tf.tensor2d(logits, [batch, classes]),
      taps: taps.map(({ values, shape }) => tf.tensor4d(values, shape)),
      channelMeans: summaries.map((summary) => tf.tensor2d(summary.means, [batch, summary.channels])),
      energyMaps: summaries.map((summary) => tf.tensor2d(summary.energy, [batch, summary.area])),
    };
  }

  /** Releases the session; `run` fails afterwards. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session !== null) await session.release();
  }
}
