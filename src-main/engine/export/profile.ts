import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { LatencyFigures, ModelProfile } from '../../../src-shared/contracts/api.js';
import { describeBackbone } from '../../../src-shared/domain/backbone-catalog.js';
import { logitsGraph, onnxInputName, writeOnnxModel, type InputLayout } from './onnx-writer.js';

/** Fewest timed runs per latency figure; the brief asks for a median of at least 50. */
export const minimumLatencyRuns = 50;
/** Untimed runs before the timed ones, so one-off set-up work is not measured. */
export const latencyWarmupRuns = 5;
/** Every latency figure classifies one image at a time. */
const latencyBatchSize = 1;
/**
 * ONNX Runtime computes latency on one thread: its figure then does not depend on how many cores the machine
 * has or on a training run busy on the others, and the card says so.
 */
const onnxLatencyThreads = 1;

/** Threads a TensorFlow.js backend computes with; null where the engine decides (TensorFlow's pool, a GPU). */
export async function tfjsBackendThreads(backend: string): Promise<number | null> {
  if (backend === 'cpu') return 1;
  if (backend !== 'wasm') return null;
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  return getThreadsCount();
}

function elementCount(shape: readonly (number | null)[]): number {
  return shape.slice(1).reduce<number>((product, size) => product * (size ?? 1), 1);
}

/**
 * Peak activation memory at batch 1: walking the logits graph in order, a layer's output lives from the
 * layer that makes it to the last layer that reads it; the peak is the largest total of live outputs
 * (the input image included) while any one layer runs.
 */
export function peakActivationBytes(model: tf.LayersModel): number {
  const graph = logitsGraph(model);
  const lastUse = new Map<string, number>();
  graph.forEach((info, index) => {
    for (const input of info.inputs) lastUse.set(input, index);
  });
  const sizes = new Map<string, number>();
  const live = new Set<string>();
  let peak = 0;
  graph.forEach((info, index) => {
    const shape = info.layer.outputShape as (number | null)[];
    sizes.set(info.layer.name, elementCount(shape) * 4);
    live.add(info.layer.name);
    let total = 0;
    for (const name of live) total += sizes.get(name) ?? 0;
    peak = Math.max(peak, total);
    for (const name of [...live]) {
      if ((lastUse.get(name) ?? -1) <= index && name !== info.layer.name) live.delete(name);
    }
    if (!lastUse.has(info.layer.name)) live.delete(info.layer.name);
  });
  return peak;
}

function summarise(timings: number[], engine: string, threads: number | null): LatencyFigures {
  const sorted = [...timings].sort((left, right) => left - right);
  const at = (fraction: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? at(0.5) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return {
    medianMilliseconds: median,
    p90Milliseconds: at(0.9),
    runs: sorted.length,
    engine,
    batchSize: latencyBatchSize,
    threads,
    warmupRuns: latencyWarmupRuns,
  };
}

/** Median batch-1 latency of an ONNX model in onnxruntime-node on one CPU thread, after warm-up runs. */
export async function measureOnnxLatency(
  onnxBytes: Uint8Array,
  inputShape: readonly [number, number, number],
  layout: InputLayout,
  runs = minimumLatencyRuns,
): Promise<LatencyFigures> {
  const session = await ort.InferenceSession.create(onnxBytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: onnxLatencyThreads,
    interOpNumThreads: onnxLatencyThreads,
  });
  try {
    const [height, width, channels] = inputShape;
    const dims =
      layout === 'NCHW'
        ? [latencyBatchSize, channels, height, width]
        : [latencyBatchSize, height, width, channels];
    const data = Float32Array.from({ length: height * width * channels }, (_, index) => Math.sin(index));
    const feeds = { [onnxInputName]: new ort.Tensor('float32', data, dims) };
    const timings: number[] = [];
    for (let run = 0; run < latencyWarmupRuns + runs; run += 1) {
      const start = performance.now();
      await session.run(feeds);
      if (run >= latencyWarmupRuns) timings.push(performance.now() - start);
    }
    return summarise(timings, 'onnxruntime-node (cpu)', onnxLatencyThreads);
  } finally {
    await session.release();
  }
}

/** Median batch-1 latency of a TFJS model on the current backend, reading the result back each run. */
export async function measureTfjsLatency(
  model: tf.LayersModel,
  runs = minimumLatencyRuns,
): Promise<LatencyFigures> {
  const shape = model.inputs[0]?.shape ?? [];
  const input = tf.tidy(() =>
    tf
      .sin(tf.range(0, elementCount(shape)))
      .reshape([latencyBatchSize, ...shape.slice(1).map((size) => size ?? 1)]),
  );
  try {
    const timings: number[] = [];
    for (let run = 0; run < latencyWarmupRuns + runs; run += 1) {
      const start = performance.now();
      const output = model.predict(input);
      const list = Array.isArray(output) ? output : [output];
      const last = list[list.length - 1];
      if (last !== undefined) await last.data();
      tf.dispose(list);
      if (run >= latencyWarmupRuns) timings.push(performance.now() - start);
    }
    const backend = tf.getBackend();
    return summarise(timings, `tfjs (${backend})`, await tfjsBackendThreads(backend));
  } finally {
    input.dispose();
  }
}

/**
 * Profiles a backbone model (trained or freshly initialised): counts from the catalog, file sizes per
 * precision, peak activation memory, and batch-1 latency in onnxruntime-node and TFJS on this machine.
 */
export async function profileModel(
  model: tf.LayersModel,
  backbone: string,
  options: { readonly latencyRuns?: number; readonly producerVersion: string },
): Promise<ModelProfile> {
  const shape = model.inputs[0]?.shape ?? [];
  const [, height, width, channels] = shape;
  const classes = model.outputs[model.outputs.length - 1]?.shape[1];
  if (
    typeof height !== 'number' ||
    typeof width !== 'number' ||
    typeof channels !== 'number' ||
    typeof classes !== 'number'
  ) {
    throw new Error(`Model "${model.name}" has no fixed input size or class count to profile.`);
  }
  const inputShape = [height, width, channels] as const;
  const description = describeBackbone(backbone, { classes, inputShape });
  const runs = Math.max(minimumLatencyRuns, options.latencyRuns ?? minimumLatencyRuns);
  const onnxModel = writeOnnxModel(model, {
    layout: 'NCHW',
    probabilities: false,
    metadata: {},
    producerVersion: options.producerVersion,
  });
  const storedValues = description.parameterCount + description.movingStatisticCount;
  return {
    backbone: description.name,
    classes,
    inputShape,
    parameterCount: description.parameterCount,
    macsPerImage: description.macsPerImage,
    fileBytes: {
      float32: storedValues * 4,
      float16: storedValues * 2,
      uint8: storedValues,
      onnx: onnxModel.bytes.length,
    },
    peakActivationBytes: peakActivationBytes(model),
    latency: {
      onnxRuntime: await measureOnnxLatency(onnxModel.bytes, inputShape, 'NCHW', runs),
      tfjs: await measureTfjsLatency(model, runs),
    },
  };
}
