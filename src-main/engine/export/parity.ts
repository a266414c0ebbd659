import * as ort from 'onnxruntime-node';
import type { ParityFigures } from '../../../src-shared/contracts/model-card.js';
import { float32LogitTolerance } from '../../../src-shared/domain/figure-definitions.js';
import { BatchAssembler } from '../data/augment.js';
import type { ChannelStatistics, ImageSplit } from '../data/types.js';
import { onnxInputName, onnxLogitsName, type InputLayout } from './onnx-writer.js';

/** Largest logit difference a float32 export may show against the in-app model. */
export const float32Tolerance = float32LogitTolerance;
/**
 * Most test images a verification runs: enough for every run's test images on the usual datasets (CIFAR's
 * 10,000), so the exported accuracy is measured on the same images as the run's own figure.
 */
export const maximumVerificationImages = 10_000;
/** Most bytes the normalised verification images may take; larger images get fewer of them. */
const maximumVerificationBytes = 256 * 1024 * 1024;

/** How many of a split's images a verification can hold for images of this shape. */
export function verificationImageLimit(shape: readonly [number, number, number]): number {
  const imageBytes = 4 * shape[0] * shape[1] * shape[2];
  return Math.max(1, Math.min(maximumVerificationImages, Math.floor(maximumVerificationBytes / imageBytes)));
}

/** Normalised test images (NHWC, as the trainer feeds them) with their labels. */
export interface VerificationImages {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly shape: readonly [number, number, number];
}

export type { ParityFigures };

/**
 * Takes the run's test images (`split`), all of them when they fit in `limit`, else `limit` of them spread
 * evenly so every class tends to appear, and normalises them exactly as the trainer does: (pixel − mean) / std
 * per channel on the 0..255 scale.
 */
export function prepareVerificationImages(
  split: ImageSplit,
  statistics: ChannelStatistics,
  limit = maximumVerificationImages,
): VerificationImages {
  const count = Math.min(limit, split.count);
  if (count === 0) throw new Error('The test split holds no images to verify the export with.');
  const assembler = new BatchAssembler(split, statistics);
  const step = split.count / count;
  const indices = Uint32Array.from({ length: count }, (_, index) => Math.floor(index * step));
  const images = new Float32Array(count * assembler.imageSize);
  const labels = new Int32Array(count);
  assembler.assemble(indices, images, labels);
  return { images, labels, count, shape: [split.shape[0], split.shape[1], split.shape[2]] };
}

/** NHWC → NCHW for a batch of images. */
export function toChannelsFirst(
  images: Float32Array,
  count: number,
  shape: readonly [number, number, number],
): Float32Array {
  const [height, width, channels] = shape;
  const result = new Float32Array(images.length);
  for (let image = 0; image < count; image += 1) {
    const base = image * height * width * channels;
    for (let row = 0; row < height; row += 1) {
      for (let column = 0; column < width; column += 1) {
        for (let channel = 0; channel < channels; channel += 1) {
          result[base + (channel * height + row) * width + column] =
            images[base + (row * width + column) * channels + channel] ?? 0;
        }
      }
    }
  }
  return result;
}

/** Logits of an ONNX model in onnxruntime-node (CPU) for NHWC images, converted to the model's layout. */
export async function runOnnxLogits(
  onnxBytes: Uint8Array,
  verification: VerificationImages,
  layout: InputLayout,
  batchSize = 100,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['cpu'] });
  try {
    const [height, width, channels] = verification.shape;
    const imageSize = height * width * channels;
    const chunks: Float32Array[] = [];
    for (let start = 0; start < verification.count; start += batchSize) {
      const size = Math.min(batchSize, verification.count - start);
      const slice = verification.images.slice(start * imageSize, (start + size) * imageSize);
      const data = layout === 'NCHW' ? toChannelsFirst(slice, size, verification.shape) : slice;
      const dims = layout === 'NCHW' ? [size, channels, height, width] : [size, height, width, channels];
      const result = await session.run({ [onnxInputName]: new ort.Tensor('float32', data, dims) });
      const logits = result[onnxLogitsName];
      if (logits === undefined || !(logits.data instanceof Float32Array)) {
        throw new Error(`The ONNX model did not return float32 "${onnxLogitsName}".`);
      }
      chunks.push(Float32Array.from(logits.data));
    }
    const joined = new Float32Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    return joined;
  } finally {
    await session.release();
  }
}

function argmaxRows(logits: Float32Array, count: number, classes: number): Int32Array {
  const result = new Int32Array(count);
  for (let row = 0; row < count; row += 1) {
    let best = 0;
    for (let column = 1; column < classes; column += 1) {
      if ((logits[row * classes + column] ?? -Infinity) > (logits[row * classes + best] ?? -Infinity))
        best = column;
    }
    result[row] = best;
  }
  return result;
}

/** Compares an exported model's logits with the in-app model's on the same labelled images. */
export function compareLogits(
  inApp: Float32Array,
  exported: Float32Array,
  labels: Int32Array,
  classes: number,
): ParityFigures {
  const count = labels.length;
  if (inApp.length !== count * classes || exported.length !== count * classes) {
    throw new Error(
      `Parity needs ${count}×${classes} logits from each model, found ${inApp.length} and ${exported.length}.`,
    );
  }
  let maxAbsLogitDifference = 0;
  for (let index = 0; index < inApp.length; index += 1) {
    const difference = Math.abs((inApp[index] ?? 0) - (exported[index] ?? 0));
    // NaN must fail the comparison, so it counts as an infinite difference.
    maxAbsLogitDifference = Number.isNaN(difference) ? Infinity : Math.max(maxAbsLogitDifference, difference);
  }
  const inAppTop = argmaxRows(inApp, count, classes);
  const exportedTop = argmaxRows(exported, count, classes);
  let agree = 0;
  let inAppCorrect = 0;
  let exportedCorrect = 0;
  for (let row = 0; row < count; row += 1) {
    if (inAppTop[row] === exportedTop[row]) agree += 1;
    if (inAppTop[row] === labels[row]) inAppCorrect += 1;
    if (exportedTop[row] === labels[row]) exportedCorrect += 1;
  }
  return {
    images: count,
    maxAbsLogitDifference,
    top1Agreement: agree / count,
    exportedAccuracy: exportedCorrect / count,
    inAppAccuracy: inAppCorrect / count,
    accuracyChange: (exportedCorrect - inAppCorrect) / count,
  };
}

/** Whether a float32 export matches the in-app model closely enough to ship. */
export function float32ParityHolds(figures: ParityFigures): boolean {
  return figures.maxAbsLogitDifference <= float32Tolerance && figures.top1Agreement === 1;
}

/** Whether an export of any precision gives finite scores wherever the in-app model does. */
export function parityIsFinite(figures: ParityFigures): boolean {
  return Number.isFinite(figures.maxAbsLogitDifference);
}
